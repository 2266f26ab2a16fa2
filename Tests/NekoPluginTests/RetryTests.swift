import Glibc
import NekoPlugin
import Synchronization
import NekoTestSupport
import Testing

/// `Retry`: the backoff schedule (tenacity's formula), jitter, which errors
/// are retried, giving up, the call's deadline, cancellation, and a real HTTP
/// GET against a server that fails a few times. No test sleeps: a `TestClock`
/// records each wait and returns at once.
@Suite(.timeLimit(.minutes(1)))
struct RetryTests {
    /// An error worth another attempt; `attempt` says which attempt threw it.
    struct Transient: Error, Equatable, CustomStringConvertible {
        var attempt: Int
        var description: String { "transient failure \(attempt)" }
    }

    /// An error no attempt can fix.
    struct Fatal: Error, Equatable {}

    // MARK: - The schedule

    struct Schedule: Sendable, CustomTestStringConvertible {
        var backoff: Retry.Backoff
        var attempts: Int
        var waits: [Duration]
        var testDescription: String { "\(backoff), \(attempts) attempts" }
    }

    @Test(arguments: [
        // tenacity's wait_exponential(multiplier=1, min=4, max=10): 1, 2, 4 s raised to 4 s.
        Schedule(backoff: .exponential(min: .seconds(4), max: .seconds(10)), attempts: 4,
                 waits: [.seconds(4), .seconds(4), .seconds(4)]),
        Schedule(backoff: .exponential(multiplier: .milliseconds(100), max: .seconds(2)), attempts: 8,
                 waits: [100, 200, 400, 800, 1600, 2000, 2000].map { .milliseconds($0) }),
        Schedule(backoff: .constant(.seconds(1)), attempts: 3, waits: [.seconds(1), .seconds(1)]),
        Schedule(backoff: .none, attempts: 3, waits: []),
        Schedule(backoff: .exponential(min: .seconds(1), max: .seconds(5)), attempts: 1, waits: []),
    ])
    func waitsFollowTheBackoffExactlyWithoutJitter(_ schedule: Schedule) async throws {
        let clock = TestClock()
        let retries = Mutex<[String]>([])
        var calls = 0
        let error = try await #require(throws: RetryError.self) {
            try await Retry(attempts: schedule.attempts, backoff: schedule.backoff, clock: clock)
                .onRetry { attempt, error, wait in retries.withLock { $0.append("\(attempt) \(error) \(wait)") } }
                .run { () async throws -> Int in
                    calls += 1
                    throw Transient(attempt: calls)
                }
        }
        #expect(clock.waits == schedule.waits)
        #expect(calls == schedule.attempts)
        #expect(error.attempts == schedule.attempts)
        // The hook heard of every retry: the attempt that failed, its error, the wait after it.
        let expected = schedule.backoff == .none
            ? (1..<schedule.attempts).map { "\($0) transient failure \($0) 0.0 seconds" }
            : zip(1..., schedule.waits).map { "\($0) transient failure \($0) \($1)" }
        #expect(retries.withLock { $0 } == expected)
    }

    /// tenacity's `wait_exponential.__call__`, transcribed from its source
    /// (tenacity/wait.py) so the test computes the reference, not copies it:
    ///
    ///     exp = self.exp_base ** (retry_state.attempt_number - 1)
    ///     result = self.multiplier * exp
    ///     return max(max(0, self.min), min(result, self.max))
    ///
    /// `attempt_number` is the attempt that just failed, 1 for the first.
    static func tenacityWaitExponential(multiplier: Double, min: Double, max: Double, expBase: Double, attemptNumber: Int) -> Double {
        let exp = pow(expBase, Double(attemptNumber - 1))
        let result = multiplier * exp
        return Swift.max(Swift.max(0, min), Swift.min(result, max))
    }

    @Test(arguments: [
        (multiplier: 1.0, min: 4.0, max: 10.0, base: 2.0),   // the seed's reliable_fetch
        (multiplier: 0.5, min: 0.0, max: 30.0, base: 2.0),
        (multiplier: 2.0, min: 1.0, max: 100.0, base: 3.0),
        (multiplier: 1.0, min: 5.0, max: 2.0, base: 2.0),     // min above max: min wins, as in tenacity
    ])
    func exponentialWaitsAreTenacitysWaitExponential(multiplier: Double, min: Double, max: Double, base: Double) {
        let backoff = Retry.Backoff.exponential(multiplier: .seconds(multiplier), min: .seconds(min), max: .seconds(max), base: base)
        for attempt in 1...12 {
            let expected = Self.tenacityWaitExponential(multiplier: multiplier, min: min, max: max, expBase: base, attemptNumber: attempt)
            #expect(backoff.wait(after: attempt) == .seconds(expected), "attempt \(attempt)")
        }
    }

    @Test func theSeedsScheduleWaitsFourFourFourEightTen() {
        // min=4, max=10, multiplier=1: the sequence the issue quotes from tenacity.
        let backoff = Retry.Backoff.exponential(min: .seconds(4), max: .seconds(10))
        let reference = (1...6).map { Self.tenacityWaitExponential(multiplier: 1, min: 4, max: 10, expBase: 2, attemptNumber: $0) }
        #expect(reference == [4, 4, 4, 8, 10, 10])
        #expect((1...6).map { backoff.wait(after: $0) } == reference.map { .seconds($0) })
    }

    @Test func exponentialWaitsStopAtTheMaximumWithoutOverflow() {
        let backoff = Retry.Backoff.exponential(multiplier: .nanoseconds(1), max: .seconds(10))
        #expect(backoff.wait(after: 1) == .nanoseconds(1))
        #expect(backoff.wait(after: 11) == .nanoseconds(1024))
        #expect(backoff.wait(after: 64) == .seconds(10))
        #expect(backoff.wait(after: .max) == .seconds(10))
        // 2^99 s would pass Duration's range; the wait is the maximum instead (tenacity's OverflowError case).
        #expect(Retry.Backoff.exponential(max: .seconds(1.5e20)).wait(after: 100) == .seconds(1.5e20))
        #expect(Retry.Backoff.exponential(multiplier: .zero, max: .seconds(1)).wait(after: .max) == .zero)
        // Out-of-range values are brought into range, not trapped on.
        #expect(Retry.Backoff.exponential(min: .seconds(3), max: .seconds(1)).wait(after: 5) == .seconds(3))
        #expect(Retry.Backoff.exponential(min: .seconds(-3), max: .seconds(1)).wait(after: 1) == .seconds(1))
        #expect(Retry.Backoff.exponential(multiplier: .seconds(-1), max: .seconds(1)).wait(after: 3) == .zero)
        #expect(Retry.Backoff.exponential(base: .nan).wait(after: 3) == .seconds(4))
        #expect(Retry.Backoff.constant(.seconds(-1)).wait(after: 1) == .zero)
        #expect(Retry.Backoff.constant(.seconds(1), jitter: 7).jitter == 1)
        #expect(Retry.Backoff.constant(.seconds(1), jitter: -1).jitter == 0)
        #expect(Retry.Backoff.constant(.seconds(1), jitter: .nan).jitter == 0)
        #expect(Retry(attempts: 0, backoff: .none).attempts == 1)
    }

    // MARK: - The call's deadline

    @Test func givesUpRatherThanWaitPastTheDeadlineAndSaysSo() async throws {
        let clock = TestClock()
        var calls = 0
        // 10 s left: 4 s and 4 s fit, a third wait of 4 s would end at 12 s.
        let error = try await #require(throws: RetryError.self) {
            try await CallDeadline.$bound.withValue(.now + .seconds(10)) {
                try await Retry(attempts: 10, backoff: .exponential(min: .seconds(4), max: .seconds(10)), clock: clock)
                    .run { () async throws -> Int in
                        calls += 1
                        throw Transient(attempt: calls)
                    }
            }
        }
        #expect(clock.waits == [.seconds(4), .seconds(4)])
        #expect(calls == 3)
        #expect(error.attempts == 3)
        guard case .deadline(let wait, let left) = error.stop else {
            Issue.record("stopped for \(error.stop), not the deadline")
            return
        }
        #expect(wait == .seconds(4))
        #expect(left > .zero && left <= .seconds(2))
        #expect(error.description.hasPrefix("gave up after 3 attempts, as the next one (in 4.0 seconds) would start after the call's deadline (in "))
        #expect(error.description.hasSuffix("): transient failure 3"))
    }

    @Test func twoRetriesOfTheSeedFitItsTenSecondDeadline() async throws {
        // The reliable example through two 503s under nekoctl's default deadline.
        let clock = TestClock()
        var calls = 0
        let value = try await CallDeadline.$bound.withValue(.now + .seconds(10)) {
            try await Retry(attempts: 3, backoff: .exponential(min: .seconds(4), max: .seconds(10)), clock: clock)
                .run {
                    calls += 1
                    guard calls == 3 else { throw Transient(attempt: calls) }
                    return "answered"
                }
        }
        #expect(value == "answered")
        #expect(clock.waits == [.seconds(4), .seconds(4)])
    }

    @Test func aPassedDeadlineStopsAfterTheFirstAttempt() async throws {
        let clock = TestClock()
        let error = try await #require(throws: RetryError.self) {
            try await CallDeadline.$bound.withValue(.now - .seconds(1)) {
                try await Retry(attempts: 3, backoff: .constant(.milliseconds(1)), clock: clock)
                    .run { () async throws -> Int in throw Transient(attempt: 1) }
            }
        }
        #expect(error.attempts == 1)
        #expect(error.stop == .deadline(wait: .milliseconds(1), left: .zero))
        #expect(clock.waits.isEmpty)
    }

    @Test func withoutADeadlineEveryAttemptIsMade() async throws {
        #expect(CallDeadline.current == nil)
        let clock = TestClock()
        let error = try await #require(throws: RetryError.self) {
            try await Retry(attempts: 6, backoff: .exponential(min: .seconds(4), max: .seconds(10)), clock: clock)
                .run { () async throws -> Int in throw Transient(attempt: 1) }
        }
        #expect(error.stop == .attempts)
        #expect(clock.waits == [4, 4, 4, 8, 10].map { .seconds($0) })
    }

    // MARK: - Jitter

    @Test func jitterSpreadsEachWaitWithinItsFraction() async throws {
        // The random source gives these, one per wait; out-of-range ones are clamped into 0...1.
        let samples: [Double] = [0, 1, 0.5, 0.25, 0.75, -3, 7, .nan]
        let next = Mutex(0)
        let clock = TestClock()
        _ = await #expect(throws: RetryError.self) {
            try await Retry(
                attempts: samples.count + 1, backoff: .constant(.seconds(10), jitter: 0.2), clock: clock,
                random: { next.withLock { index in defer { index += 1 }; return samples[index % samples.count] } }
            ).run { () async throws -> Int in throw Transient(attempt: 0) }
        }
        // wait × (1 + jitter × (2 × sample - 1)): ±20 % of 10 s.
        let expected: [Double] = [8, 12, 10, 9, 11, 8, 12, 10]
        #expect(clock.waits.count == expected.count)
        for (wait, seconds) in zip(clock.waits, expected) {
            let error = wait - .seconds(seconds)
            #expect(error > .microseconds(-1) && error < .microseconds(1), "\(wait) is not \(seconds) s")
        }
    }

    @Test func jitterWithTheDefaultRandomSourceStaysWithinBounds() async throws {
        let clock = TestClock()
        let backoff = Retry.Backoff.exponential(multiplier: .milliseconds(100), max: .seconds(2), jitter: 0.5)
        _ = await #expect(throws: RetryError.self) {
            try await Retry(attempts: 40, backoff: backoff, clock: clock)
                .run { () async throws -> Int in throw Transient(attempt: 0) }
        }
        #expect(clock.waits.count == 39)
        for (attempt, wait) in zip(1..., clock.waits) {
            let base = backoff.wait(after: attempt)
            #expect(wait >= base * 0.5 && wait <= base * 1.5, "wait \(attempt): \(wait) outside \(base) ± 50 %")
        }
        // Random, so spread: the 34 waits capped at 2 s are not all the same.
        #expect(Set(clock.waits.dropFirst(5)).count > 1)
    }

    // MARK: - Success, giving up, errors not retried

    @Test(arguments: 1...4)
    func succeedsOnAttemptKAndReturnsItsValue(k: Int) async throws {
        let clock = TestClock()
        var calls = 0
        let value = try await Retry(attempts: 5, backoff: .exponential(min: .seconds(1), max: .seconds(60)), clock: clock)
            .run {
                calls += 1
                guard calls == k else { throw Transient(attempt: calls) }
                return "value \(calls)"
            }
        #expect(value == "value \(k)")
        #expect(calls == k)
        #expect(clock.waits.count == k - 1)
    }

    @Test(arguments: [1, 3, 6])
    func givesUpAfterNAttemptsWithTheLastError(attempts: Int) async throws {
        var calls = 0
        let error = try await #require(throws: RetryError.self) {
            try await Retry(attempts: attempts, backoff: .constant(.seconds(1)), clock: TestClock())
                .run { () async throws -> Int in
                    calls += 1
                    throw Transient(attempt: calls)
                }
        }
        #expect(calls == attempts)
        #expect(error.attempts == attempts)
        #expect(error.lastError as? Transient == Transient(attempt: attempts))
        let noun = attempts == 1 ? "attempt" : "attempts"
        #expect(error.description == "gave up after \(attempts) \(noun): transient failure \(attempts)")
    }

    @Test func anErrorNotRetriedIsThrownAtOnce() async throws {
        let clock = TestClock()
        var calls = 0
        await #expect(throws: Fatal()) {
            try await Retry(attempts: 5, backoff: .constant(.seconds(1)), retrying: { $0 is Transient }, clock: clock)
                .run { () async throws -> Int in
                    calls += 1
                    throw Fatal()
                }
        }
        #expect(calls == 1)
        #expect(clock.waits.isEmpty)
    }

    @Test func cancellationErrorIsNotRetriedByDefault() async throws {
        let clock = TestClock()
        var calls = 0
        await #expect(throws: CancellationError.self) {
            try await Retry(attempts: 5, backoff: .constant(.seconds(1)), clock: clock)
                .run { () async throws -> Int in
                    calls += 1
                    throw CancellationError()
                }
        }
        #expect(calls == 1)
        #expect(clock.waits.isEmpty)
    }

    // MARK: - Cancellation

    @Test func cancelingDuringTheWaitEndsItPromptlyWithNoFurtherAttempt() async throws {
        let clock = TestClock(parks: true)
        let calls = Counter()
        let task = Task {
            try await Retry(attempts: 5, backoff: .constant(.seconds(3600)), clock: clock)
                .run { () async throws -> Int in
                    calls.increment()
                    throw Transient(attempt: 1)
                }
        }
        var sleeps = clock.sleeps.makeAsyncIterator()
        #expect(await sleeps.next() == .seconds(3600))   // parked in the first wait
        task.cancel()
        // Ends at once: the wait is an hour, and the suite's time limit a minute.
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(calls.value == 1)
        #expect(clock.waits == [.seconds(3600)])
    }

    @Test func cancelingEndsARealClockWaitPromptly() async throws {
        // The default ContinuousClock: an hour's wait that the test cancels as it starts.
        let (retried, retry) = AsyncStream<Int>.makeStream()
        let calls = Counter()
        let task = Task {
            try await Retry(attempts: 3, backoff: .constant(.seconds(3600)))
                .onRetry { attempt, _, _ in retry.yield(attempt) }
                .run { () async throws -> Int in
                    calls.increment()
                    throw Transient(attempt: 1)
                }
        }
        var retries = retried.makeAsyncIterator()
        #expect(await retries.next() == 1)
        task.cancel()
        // Ends at once: the wait is an hour, and the suite's time limit a minute.
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(calls.value == 1)
    }

    @Test func aCanceledTaskStartsNoAttempt() async throws {
        let calls = Counter()
        let task = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await Retry(attempts: 3, backoff: .none).run { calls.increment() }
        }
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(calls.value == 0)
    }

    // MARK: - Over HTTP

    @Test func retriesAnHTTPGetUntilTheServerAnswers() async throws {
        let failures = 2
        let server = try LoopbackHTTPServer(routes: [
            "/data": .failing(first: failures, then: .json(#"{"data":42}"#)),
        ])
        defer { server.stop() }
        let clock = TestClock()
        // The docs' example: 3 attempts, waiting 4 s then 4 s (tenacity's schedule).
        let response = try await Retry(attempts: 3, backoff: .exponential(min: .seconds(4), max: .seconds(10)), clock: clock)
            .run { try await LoopbackHTTPClient.get(server.url("/data")).requireSuccess() }
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "application/json")
        #expect(response.text == #"{"data":42}"#)
        #expect(server.requestCount(for: "/data") == failures + 1)
        #expect(clock.waits == [.seconds(4), .seconds(4)])
    }

    @Test func givesUpWhenTheServerFailsMoreTimesThanTheAttemptsAllow() async throws {
        let server = try LoopbackHTTPServer(routes: [
            "/data": .failing(first: 5, then: .json(#"{"data":42}"#)),
        ])
        defer { server.stop() }
        let url = server.url("/data")
        let error = try await #require(throws: RetryError.self) {
            try await Retry(attempts: 3, backoff: .exponential(min: .seconds(4), max: .seconds(10)), clock: TestClock())
                .run { try await LoopbackHTTPClient.get(url).requireSuccess() }
        }
        #expect(error.attempts == 3)
        #expect(error.lastError as? HTTPStatusError == HTTPStatusError(status: 503, url: url))
        #expect(error.description == "gave up after 3 attempts: HTTP 503 from \(url)")
        #expect(server.requestCount(for: "/data") == 3)
    }

    @Test func theLoopbackServerAnswersItsRoutesAndStops() async throws {
        let server = try LoopbackHTTPServer(routes: ["/hello": .always(.text("hi"))])
        defer { server.stop() }
        let hello = try await LoopbackHTTPClient.get(server.url("/hello?lang=en"))
        #expect(hello.status == 200 && hello.text == "hi")
        #expect(try await LoopbackHTTPClient.get(server.url("/nowhere")).status == 404)
        server.serve("/hello", .always(.status(503)))
        #expect(try await LoopbackHTTPClient.get(server.url("/hello")).status == 503)
        #expect(server.requestCount(for: "/hello") == 2)
        #expect(server.totalRequestCount == 3)
        server.stop()
        await #expect(throws: LoopbackHTTPError.self) { try await LoopbackHTTPClient.get(server.url("/hello")) }
        await #expect(throws: LoopbackHTTPError.self) { try await LoopbackHTTPClient.get("http://example.com:80/") }
    }
}

// MARK: - Test doubles

/// A count that any task may bump.
private final class Counter: Sendable {
    private let count = Mutex(0)

    @discardableResult
    func increment() -> Int { count.withLock { $0 += 1; return $0 } }

    var value: Int { count.withLock { $0 } }
}

/// A clock for tests: `sleep` records the wait and returns at once, moving
/// `now` ahead; with `parks: true` it records the wait and then suspends
/// until the task is canceled.
private final class TestClock: Clock, Sendable {
    struct Instant: InstantProtocol {
        /// Time since the clock was made.
        var offset: Duration

        func advanced(by duration: Duration) -> Instant { Instant(offset: offset + duration) }
        func duration(to other: Instant) -> Duration { other.offset - offset }
        static func < (lhs: Instant, rhs: Instant) -> Bool { lhs.offset < rhs.offset }
    }

    private struct State {
        var now = Instant(offset: .zero)
        var waits: [Duration] = []
    }

    /// Each wait as it begins, so that a test can act while `Retry` waits.
    let sleeps: AsyncStream<Duration>
    private let sleepStarted: AsyncStream<Duration>.Continuation
    private let parks: Bool
    private let state = Mutex(State())

    init(parks: Bool = false) {
        self.parks = parks
        (sleeps, sleepStarted) = AsyncStream.makeStream()
    }

    /// Every wait asked for, in order.
    var waits: [Duration] { state.withLock { $0.waits } }

    var now: Instant { state.withLock { $0.now } }

    var minimumResolution: Duration { .zero }

    func sleep(until deadline: Instant, tolerance: Duration?) async throws {
        let wait = state.withLock { state in
            let wait = state.now.duration(to: deadline)
            state.waits.append(wait)
            return wait
        }
        sleepStarted.yield(wait)
        if parks {
            // A stream that never yields: iterating it ends when the task is canceled.
            let (never, keep) = AsyncStream<Never>.makeStream()
            for await _ in never {}
            keep.finish()
        }
        try Task.checkCancellation()
        state.withLock { $0.now = max($0.now, deadline) }
    }
}
