import Foundation
@_spi(Neko) import NekoCore
@testable import NekoLoader
import Testing

/// The plugin state machine (PluginLifecycle.swift): which moves are legal,
/// that an illegal one is refused and logged, and that a real plugin walks
/// through the states a user sees, each with the time it began.
@Suite(.timeLimit(.minutes(2))) struct StateMachineTests {
    static let failure = LoadFailure(.startup, "no")

    /// Every move the host makes, from the diagram in PluginLifecycle.swift.
    @Test(arguments: [
        (PluginState.unloaded, PluginState.loading), (.loading, .loaded), (.loading, .failed(failure)),
        (.loaded, .reloading), (.reloading, .loaded), (.loaded, .stopping), (.stopping, .stopped), (.stopping, .unloaded),
        (.loaded, .crashed("SIGSEGV")), (.crashed("SIGSEGV"), .restarting), (.restarting, .loaded), (.crashed("x"), .failed(failure)),
        (.stopped, .loading), (.failed(failure), .loading), (.failed(failure), .unloaded), (.unloaded, .failed(failure)),
    ])
    func legalMovesAreAllowed(_ from: PluginState, _ to: PluginState) {
        #expect(from.allows(to), "\(from.name) -> \(to.name)")
    }

    /// Moves that skip a step or come from nowhere.
    @Test(arguments: [
        (PluginState.unloaded, PluginState.loaded), (.stopped, .loaded), (.disabled, .loading), (.loaded, .loading),
        (.stopping, .loaded), (.unloaded, .reloading), (.failed(failure), .loaded), (.unloaded, .crashed("x")),
        (.loaded, .restarting), (.disabled, .loaded),
    ])
    func illegalMovesAreRefused(_ from: PluginState, _ to: PluginState) {
        #expect(!from.allows(to), "\(from.name) -> \(to.name)")
    }

    @Test func anIllegalMoveLeavesTheStateAndIsLogged() {
        let log = CapturedLog()
        let discovered = DiscoveredPlugin(folder: "/nowhere/hello", id: "hello", root: "/nowhere", manifest: .failure(Self.failure))
        var record = Registry.Record(discovered: discovered, state: .unloaded, since: 0)
        let movedToLoaded = record.move(to: .loaded, logger: log.logger())
        #expect(!movedToLoaded)
        #expect(record.state == .unloaded)
        #expect(record.since == 0)
        #expect(log.messages(at: .error) == ["hello: illegal state change unloaded -> loaded refused"])

        let movedToLoading = record.move(to: .loading, logger: log.logger())
        #expect(movedToLoading)
        #expect(record.state == .loading)
        #expect(record.since > 0)
        #expect(log.messages(at: .debug) == ["hello: unloaded -> loading"])
    }

    @Test func aPluginWalksThroughItsStatesEachWithItsStart() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        let log = CapturedLog()
        var options = workspace.options()
        options.logger = log.logger(level: .debug)
        let host = PluginHost(options: options)
        defer { host.shutdown() }
        host.discover()
        let discovered = try #require(host.plugin("cgreet"))
        #expect(discovered.state == .unloaded)

        let beforeLoad = WallClock.now()
        if case .failure(let failure) = host.load("cgreet") { Issue.record("\(failure)") }
        let loaded = try #require(host.plugin("cgreet"))
        #expect(loaded.state == .loaded)
        #expect(loaded.stateSince >= beforeLoad)

        if case .failure(let failure) = host.reload("cgreet") { Issue.record("\(failure)") }
        #expect(host.plugin("cgreet")?.state == .loaded)
        try host.unload("cgreet")
        #expect(host.plugin("cgreet")?.state == .stopped)

        #expect(log.messages(at: .debug).filter { $0.hasPrefix("cgreet: ") } == [
            "cgreet: unloaded -> loading", "cgreet: loading -> loaded",
            "cgreet: loaded -> reloading", "cgreet: reloading -> loaded",
            "cgreet: loaded -> stopping", "cgreet: stopping -> stopped",
        ])
        #expect(log.messages(at: .error).isEmpty, "\(log.messages(at: .error))")
    }
}
