import NekoPlugin
import Testing

/// `Retry` read from a config table (`[retry]` of plugin.toml, as
/// `PluginContext.config` passes it): the keys, the defaults, and bad
/// tables refused naming the key. And the default `retrying` predicate.
@Suite struct RetryConfigTests {
    func decode(_ table: JSON) throws -> Retry {
        try NekoJSONDecoder().decode(Retry.self, from: table)
    }

    /// What a refused table's error says, as `PluginContext.config` reports it.
    func refusal(_ table: JSON) -> ArgumentError? {
        do {
            _ = try decode(table)
            return nil
        } catch let error as DecodingError {
            return ArgumentError(error)
        } catch {
            Issue.record("not a DecodingError: \(error)")
            return nil
        }
    }

    @Test func theReliableExamplesTableIsTenacitysSchedule() throws {
        let retry = try decode(["attempts": 3, "multiplier_ms": 1000, "min_wait_ms": 4000, "max_wait_ms": 10000, "jitter": 0.1])
        #expect(retry.attempts == 3)
        #expect(retry.backoff == .exponential(multiplier: .seconds(1), min: .seconds(4), max: .seconds(10), jitter: 0.1))
        #expect((1...5).map { retry.backoff.wait(after: $0) } == [4, 4, 4, 8, 10].map { .seconds($0) })
    }

    @Test func everyKeyHasADefault() throws {
        let retry = try decode([:])
        #expect(retry.attempts == 3)
        #expect(retry.backoff == .exponential(multiplier: .seconds(1)))
        #expect(try decode(["base": 3, "multiplier_ms": 100]).backoff.wait(after: 3) == .milliseconds(900))
    }

    @Test(arguments: [
        (["attempts": 0], "attempts", "must be at least 1, got 0"),
        (["min_wait_ms": -5], "min_wait_ms", "must be at least 0, got -5"),
        (["max_wait_ms": -1], "max_wait_ms", "must be at least 0, got -1"),
        (["jitter": 1.5], "jitter", "must be from 0.0 to 1.0, got 1.5"),
        (["base": 0.5], "base", "must be from 1.0 to"),
        (["attempts": "three"], "attempts", "must be an integer, got \"three\""),
        (["max_wait": 10000], "max_wait", "unknown key; a retry policy takes attempts, multiplier_ms, min_wait_ms, max_wait_ms, base, jitter"),
    ] as [(JSON, String, String)])
    func aBadTableIsRefusedNamingTheKey(table: JSON, key: String, problem: String) throws {
        let error = try #require(refusal(table))
        #expect(error.field == key)
        #expect(error.message.contains(problem), "\(error.message)")
    }

    @Test func theDefaultPredicateAsksTransientErrors() {
        struct Busy: TransientError { var isTransient: Bool }
        struct Unknown: Error {}
        #expect(Retry.transientErrors(Busy(isTransient: true)))
        #expect(!Retry.transientErrors(Busy(isTransient: false)))
        #expect(Retry.transientErrors(Unknown()), "an error that cannot say is retried, as before")
        #expect(!Retry.transientErrors(CancellationError()))
        #expect(!Retry.transientErrors(CallError.invalidArgument("url", "bad")))
        #expect(!Retry.transientErrors(CallError.notFound("no such page")))
        #expect(Retry.transientErrors(CallError(.unavailable, "restarting")))
        #expect(Retry.transientErrors(CallError(.timeout, "slow")))
    }

    @Test func aRefusedErrorEndsTheRunAsItIs() async throws {
        var calls = 0
        let error = try await #require(throws: CallError.self) {
            try await Retry(attempts: 3, backoff: .none).run { () async throws -> Int in
                calls += 1
                throw CallError.invalidArgument("url", "bad")
            }
        }
        #expect(error.field == "url")
        #expect(calls == 1)
    }
}
