import Foundation
import Logging
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// Stopping, rediscovering and giving up on plugins: the paths where a host
/// most easily hangs or frees what is still in use.
@Suite(.timeLimit(.minutes(2))) struct LifecycleTests {
    @Test func shutdownCompletesWhilePluginsCallTheHostFromTimersAndStop() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        try workspace.fixture("calls_back", as: "callsback", plugin: #"dependencies = ["cgreet"]"#)
        let host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        // The 2 ms timer calls back many times, and goes on while the host shuts down.
        #expect(try host.waitForTimer("callsback", "tick", ticks: 20, timeout: .seconds(60)), "callsback's timer never ticked 20 times")
        host.shutdown()
        #expect(host.plugin("callsback")?.state == .unloaded)
        #expect(host.plugin("cgreet")?.state == .unloaded)
    }

    @Test func nothingLoadsAgainAfterShutdown() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        let host = workspace.host()
        host.loadAll()
        host.shutdown()
        #expect(throws: CallError(.unavailable, "plugin 'cgreet' is unavailable: the host has shut down")) {
            try host.callBlocking("cgreet", "noop", arguments: [])
        }
        #expect(host.plugin("cgreet")?.state == .unloaded)
        if case .success = host.load("cgreet") { Issue.record("a plugin loaded after shutdown") }
    }

    @Test func anOverrunningStartIsAbandonedAndTheHostGoesOn() throws {
        let workspace = try Workspace()
        let log = CapturedLog()
        try workspace.install("cgreet")
        try workspace.fixture("slow_start", as: "slowstart")
        let manifest = "\(workspace.root)/slowstart/plugin.toml"
        try (String(contentsOfFile: manifest, encoding: .utf8) + "\n[plugin_runtime]\ntimeout = 0.2\n")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        var options = workspace.options()
        options.logger = log.logger(level: .warning)
        let host = PluginHost(options: options)
        defer { host.shutdown() }
        host.loadAll()
        guard case .failed(let failure) = host.plugin("slowstart")?.state else {
            Issue.record("slowstart is \(String(describing: host.plugin("slowstart")?.state)), expected failed")
            return
        }
        #expect(failure.phase == .startup)
        #expect(failure.message.contains("startup did not finish within 0.2 seconds"))
        // The late start fails; its instance must be neither destroyed nor
        // called (the fixture aborts if it is). The host logs when the start
        // finally returns: after that line, it has had its chance to misuse it.
        let late = log.wait(at: .warning, for: "its abandoned start returned", limit: .seconds(60))
        #expect(late?.hasPrefix("slowstart: its abandoned start returned after ") == true, "\(String(describing: late))")
        #expect(late?.contains("(startup failed (execution_failed)") == true, "\(String(describing: late))")
        #expect(late?.hasSuffix("the instance is left alone, never called or destroyed") == true, "\(String(describing: late))")
        #expect(try host.callBlocking("cgreet", "noop", arguments: []).text == "{}")
    }

    @Test func aTimerOutOfRangeIsRefusedAtRegister() throws {
        let workspace = try Workspace()
        try workspace.fixture("huge_timer", as: "hugetimer")
        let host = workspace.host()
        host.loadAll()
        guard case .failed(let failure) = host.plugin("hugetimer")?.state else {
            Issue.record("a timer of UINT64_MAX ms was accepted")
            return
        }
        #expect(failure.phase == .register)
        #expect(failure.message.contains("timer 'forever' has interval_ms 18446744073709551615"))
    }

    @Test func rediscoveringNeverDropsARunningPlugin() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        // Break the manifest of the running plugin, then look at the roots again.
        try "[plugin]\nid = 42\n".write(toFile: "\(workspace.root)/cgreet/plugin.toml", atomically: true, encoding: .utf8)
        host.discover()
        #expect(host.plugin("cgreet")?.state == .loaded)
        #expect(try host.callBlocking("cgreet", "greet", arguments: #"{"name":"still"}"#.bytes).text == #"{"greeting":"Hello, still!"}"#)
    }

    @Test func aCallFromAPluginNeverLoadsAnotherOnDemand() async throws {
        let workspace = try Workspace()
        try workspace.install("hello")
        try workspace.install("cgreet")
        let lazy = "\(workspace.root)/cgreet/plugin.toml"
        try String(contentsOfFile: lazy, encoding: .utf8).replacingOccurrences(of: "enabled = true", with: "enabled = true\nauto_start = false")
            .write(toFile: lazy, atomically: true, encoding: .utf8)
        let host = workspace.host()
        defer { host.shutdown() }
        // hello depends on cgreet, so loading hello loads cgreet first, auto_start or not.
        host.loadAll()
        #expect(host.plugin("cgreet")?.state == .loaded)
        let relayed = try JSON.parse(try await host.call("hello", "relay", arguments: #"{"name":"Ada"}"#.bytes))
        #expect(relayed == ["greeting": "Hello, Ada!"])
    }
}
