import Foundation
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import Synchronization
import Testing

/// `IntervalTimer` and `StatefulPlugin`, through the instance the SDK's C
/// thunks drive: a tick runs the timer's method once, a failing tick is
/// logged; the state one generation saves is what the next restores.
@Suite struct TimerAndStateTests {
    struct Failure: Error, CustomStringConvertible { var description: String { "the disk is gone" } }

    final class Ticker: Plugin, StatefulPlugin {
        static let id = "ticker"
        static let entries: [Entry<Ticker>] = []
        static let timers: [IntervalTimer<Ticker>] = [
            IntervalTimer("count", every: .seconds(5), Ticker.count),
            IntervalTimer("fail", every: .seconds(60), autoStart: false, Ticker.fail),
            IntervalTimer("await", every: .milliseconds(250), Ticker.countLater),
        ]

        struct State: Codable, Sendable, Equatable { var ticks: Int; var note: String = "" }

        let shared = Mutex(State(ticks: 0))
        init(context: PluginContext) throws {}

        func count() throws { shared.withLock { $0.ticks += 1 } }
        func fail() throws { throw Failure() }
        func countLater() async throws {
            await Task.yield()
            shared.withLock { $0.ticks += 10 }
        }

        func saveState() -> State { shared.withLock { $0 } }
        func restoreState(_ state: State) throws {
            guard state.ticks >= 0 else { throw CallError(.invalidArgument, "ticks cannot be negative: \(state.ticks)") }
            shared.withLock { $0 = state }
        }
    }

    final class Twice: Plugin {
        static let id = "twice"
        static let entries: [Entry<Twice>] = []
        static let timers: [IntervalTimer<Twice>] = [
            IntervalTimer("same", every: .seconds(1)) { (_: Twice) in {} },
            IntervalTimer("same", every: .seconds(2)) { (_: Twice) in {} },
        ]
        init(context: PluginContext) throws {}
    }

    let host: TestHost

    init() throws {
        host = try TestHost(id: "ticker")
    }

    @Test func timersDeclareTheirIntervalAndStart() {
        #expect(Ticker.timers.map(\.id) == ["count", "fail", "await"])
        #expect(Ticker.timers.map(\.interval) == [.seconds(5), .seconds(60), .milliseconds(250)])
        #expect(Ticker.timers.map(\.autoStart) == [true, false, true])
    }

    @Test func eachTickRunsTheTimersMethodOnceSyncOrAsync() throws {
        let instance = try host.instance(of: Ticker.self)
        instance.tick(0)
        instance.tick(0)
        instance.tick(2)
        #expect(instance.plugin.shared.withLock { $0.ticks } == 12)
        instance.tick(7)   // no such timer: nothing runs
        #expect(instance.plugin.shared.withLock { $0.ticks } == 12)
    }

    @Test func aFailingTickIsLoggedWithTheTimersIdAndTheTimerGoesOn() throws {
        let instance = try host.instance(of: Ticker.self)
        instance.tick(1)
        #expect(host.lines == ["timer 'fail' failed: the disk is gone"])
        instance.tick(0)
        #expect(instance.plugin.shared.withLock { $0.ticks } == 1)
    }

    @Test func twoTimersWithOneIdRefuseTheInstance() throws {
        let error = try #require(throws: CallError.self) { try host.instance(of: Twice.self) }
        #expect(error.message == "timer id 'same' is declared twice in Twice.timers")
    }

    @Test func theNextGenerationRestoresWhatTheLastSaved() throws {
        let old = try host.instance(of: Ticker.self)
        old.plugin.shared.withLock { $0 = .init(ticks: 5, note: "café ☕") }
        let saved = try #require(try old.saveState())
        #expect(try JSON.parse(saved) == ["state_version": 1, "state": ["ticks": 5, "note": "café ☕"]])
        let new = try host.instance(of: Ticker.self)
        try saved.withUnsafeBytes { try new.restoreState($0) }
        #expect(new.plugin.shared.withLock { $0 } == .init(ticks: 5, note: "café ☕"))
    }

    @Test func aStateThatDoesNotDecodeOrIsRefusedKeepsTheNewGenerationUntouched() throws {
        let new = try host.instance(of: Ticker.self)
        let undecodable = try #require(throws: CallError.self) {
            try Array(#"{"ticks": "five", "note": ""}"#.utf8).withUnsafeBytes { try new.restoreState($0) }
        }
        #expect(undecodable.code == .invalidArgument)
        #expect(undecodable.message.hasPrefix("plugin 'ticker': the state the running generation saved does not fit State (version 1): field 'ticks' must be an integer, got \"five\""))
        #expect(undecodable.field == "ticks")
        let refused = try #require(throws: CallError.self) {
            try Array(#"{"ticks": -1, "note": ""}"#.utf8).withUnsafeBytes { try new.restoreState($0) }
        }
        #expect(refused.message == "ticks cannot be negative: -1")
        #expect(new.plugin.shared.withLock { $0 } == .init(ticks: 0))
    }

    @Test func aStateSavedBeforeStateVersionsOrWithoutANewFieldStillRestores() throws {
        let new = try host.instance(of: Ticker.self)
        // A bare state (an SDK before state versions) is version 1; `note` was added since: its default.
        try Array(#"{"ticks": 5}"#.utf8).withUnsafeBytes { try new.restoreState($0) }
        #expect(new.plugin.shared.withLock { $0 } == .init(ticks: 5, note: ""))
        // A field the new build dropped is ignored.
        try Array(#"{"state_version": 1, "state": {"ticks": 6, "note": "n", "gone": [1]}}"#.utf8).withUnsafeBytes { try new.restoreState($0) }
        #expect(new.plugin.shared.withLock { $0 } == .init(ticks: 6, note: "n"))
        // Every field at fault at once, with its path; a newer version is refused.
        let both = try #require(throws: CallError.self) {
            try Array(#"{"ticks": "x", "note": 3}"#.utf8).withUnsafeBytes { try new.restoreState($0) }
        }
        #expect(both.message.contains(#"field 'ticks' must be an integer, got "x"; field 'note' must be a string, got 3"#), "\(both.message)")
        let newer = try #require(throws: CallError.self) {
            try Array(#"{"state_version": 7, "state": {"ticks": 1}}"#.utf8).withUnsafeBytes { try new.restoreState($0) }
        }
        #expect(newer.message == "plugin 'ticker': the state the running generation saved is version 7 of State, newer than this build's 1: an older build cannot read it")
        #expect(new.plugin.shared.withLock { $0 } == .init(ticks: 6, note: "n"), "a refused state changes nothing")
    }

    @Test func aPluginThatKeepsNoStateSavesNone() throws {
        #expect(try TestHost(id: "twice-less").instance(of: StorageTests.Keeper.self).saveState() == nil)
    }
}
