import NekoPlugin
import Testing

// docs/SDK.md, "Retrying".

struct BusyError: Error {}

actor Flaky {
    var failures: Int
    init(failures: Int) { self.failures = failures }

    func fetch() throws -> String {
        if failures > 0 {
            failures -= 1
            throw BusyError()
        }
        return "page"
    }
}

/// A clock whose sleeps return at once, for tests of waits.
struct InstantClock: Clock {
    var now: ContinuousClock.Instant { .now }
    var minimumResolution: Duration { .zero }
    func sleep(until deadline: ContinuousClock.Instant, tolerance: Duration?) async throws {}
}

@Suite struct RetryExamples {
    @Test func retryTriesAgainThenGivesUp() async throws {
        let flaky = Flaky(failures: 2)
        let policy = Retry(
            attempts: 5, backoff: .exponential(multiplier: .milliseconds(100), max: .seconds(2), jitter: 0.2),
            retrying: { $0 is BusyError }, clock: InstantClock())
        let page = try await policy
            .onRetry { attempt, error, wait in print("attempt \(attempt) failed: \(error); again in \(wait)") }
            .run { try await flaky.fetch() }
        #expect(page == "page")

        let backoff = Retry.Backoff.exponential(min: .seconds(4), max: .seconds(10))
        #expect((1...5).map { backoff.wait(after: $0) } == [.seconds(4), .seconds(4), .seconds(4), .seconds(8), .seconds(10)])
        #expect(Retry.Backoff.constant(.seconds(1)).wait(after: 3) == .seconds(1))
        #expect(Retry.Backoff.none.wait(after: 1) == .zero)

        let error = await #expect(throws: RetryError.self) {
            try await Retry(attempts: 2, backoff: .none).run { try await Flaky(failures: 9).fetch() }
        }
        #expect(error?.attempts == 2 && error?.stop == .attempts && error?.lastError is BusyError)
    }

    @Test func errorsSayWhetherTheyAreTransient() {
        struct PrinterError: TransientError {
            var jammed: Bool
            var isTransient: Bool { !jammed }   // busy: try again; jammed: someone must come
        }
        #expect(Retry.transientErrors(PrinterError(jammed: false)))
        #expect(!Retry.transientErrors(PrinterError(jammed: true)))
        #expect(!Retry.transientErrors(CallError.invalidArgument("url", "not a URL")))
    }
}
