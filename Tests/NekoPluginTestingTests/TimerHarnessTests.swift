@testable import Example_thread_safe
import NekoPlugin
import NekoPluginTesting
import Testing

/// The thread_safe example's 10 ms timer on the harness's clock: ticks happen
/// when the test moves time, and only then; a reload keeps the state.
@Suite struct TimerHarnessTests {
    let harness: PluginHarness<ThreadSafe>

    init() throws {
        harness = try PluginHarness(ThreadSafe.self, manifest: HarnessManifest(id: "thread_safe", version: "1.0.0"))
    }

    func snapshot() async throws -> ThreadSafe.State {
        try await harness.call("snapshot", as: ThreadSafe.State.self)
    }

    @Test func ticksHappenWhenTheClockMovesAndOnlyThen() async throws {
        #expect(harness.isTimerRunning("tick"), "an auto-start timer runs from the start")
        #expect(try await snapshot().ticks == 0)
        harness.advance(by: .milliseconds(9))
        #expect(harness.ticks(of: "tick") == 0, "the first tick is one interval after the start")
        harness.advance(by: .milliseconds(1))
        #expect(harness.ticks(of: "tick") == 1)
        harness.advance(by: .milliseconds(35))
        #expect(harness.ticks(of: "tick") == 4)
        #expect(harness.now == .milliseconds(45))
        let state = try await snapshot()
        #expect(state.ticks == 4)
        #expect(state.data["last_tick"] == "4")
    }

    @Test func aStoppedTimerDoesNotTickUntilStartedAgain() async throws {
        try harness.stopTimer("tick")
        harness.advance(by: .seconds(1))
        #expect(try await snapshot().ticks == 0)
        try harness.startTimer("tick")
        harness.advance(by: .milliseconds(25))
        #expect(try await snapshot().ticks == 2)
        #expect(throws: CallError(.notFound, "plugin 'thread_safe' has no timer 'tock' (it has tick)")) { try harness.startTimer("tock") }
    }

    @Test func aReloadHandsTheStateOverAndTheTimerGoesOn() async throws {
        _ = try await harness.call("update", ["key": "color", "value": "blue"] as JSON, as: [String: Bool].self)
        harness.advance(by: .milliseconds(20))
        try harness.reload()
        var state = try await snapshot()
        #expect(state.data["color"] == "blue")
        #expect(state.updates == 1 && state.ticks == 2)
        harness.advance(by: .milliseconds(10))
        state = try await snapshot()
        #expect(state.ticks == 3)
    }

    @Test func nothingTicksAfterStop() {
        harness.stop()
        harness.advance(by: .seconds(1))
        #expect(harness.ticks(of: "tick") == 0)
        #expect(!harness.isTimerRunning("tick"))
    }
}
