import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoTestSupport
import Synchronization
import Testing

/// The seed's five examples, ported, called through the loader as
/// `nekoctl call` calls them; the HTTP ones against a loopback server.
@Suite struct ExampleTests {
    /// A host over a fresh workspace with example plugins `ids`; `isolated`
    /// runs each in a worker process: every example must work both ways.
    func host(_ ids: String..., isolated: Bool, edit: (Workspace) throws -> Void = { _ in }) throws -> (Workspace, PluginHost) {
        let workspace = try Workspace()
        workspace.isolateAll = isolated
        for id in ids { try workspace.install(id) }
        try edit(workspace)
        let host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        return (workspace, host)
    }

    func call(_ host: PluginHost, _ plugin: String, _ entry: String, _ arguments: JSON = [:]) async throws -> JSON {
        try JSON.parse(try await host.call(plugin, entry, arguments: arguments.serialized()))
    }

    @Test(arguments: [false, true]) func asyncTaskFetchesJSON(isolated: Bool) async throws {
        let server = try LoopbackHTTPServer(routes: ["/data": .always(.json(#"{"answer":42,"list":[1,2]}"#))])
        defer { server.stop() }
        let (_, host) = try host("async_fetch", isolated: isolated)
        let result = try await call(host, "async_fetch", "async_task", ["url": .string(server.url("/data"))])
        #expect(result == ["data": ["answer": 42, "list": [1, 2]]])
        #expect(host.plugin("async_fetch")?.entries?.first?.timeout == .seconds(10))
        #expect(host.plugin("async_fetch")?.entries?.first?.isAsync == true)

        let missing = try await #require(throws: CallError.self) { try await host.call("async_fetch", "async_task", arguments: #"{"url":"\#(server.url("/nope"))"}"#.bytes) }
        #expect(missing.code == .executionFailed)
        #expect(missing.message.contains("HTTP 404"))
        let invalid = try await #require(throws: CallError.self) { try await host.call("async_fetch", "async_task", arguments: #"{"url":"ftp://x"}"#.bytes) }
        #expect(invalid.code == .invalidArgument)
        #expect(invalid.field == "url")
    }

    @Test(arguments: ["hello", "async_fetch", "thread_safe", "reliable", "configurable", "persistent", "crashy"])
    func onlyThePluginsThatDoHTTPLinkFoundationNetworking(id: String) throws {
        // NekoHTTP is a module of its own so that the others do not pay for libcurl.
        let dynamic = try Shell.run("/usr/bin/env", ["readelf", "--dynamic", "\(Workspace.builtPlugins)/\(id)/lib\(id).so"])
        try #require(dynamic.status == 0, "readelf: \(dynamic.stderr)")
        #expect(dynamic.stdout.contains("[libFoundationNetworking.so]") == ["async_fetch", "reliable"].contains(id), "\(dynamic.stdout)")
    }

    @Test(arguments: [false, true]) func updateIsExactUnderConcurrentCallersAndATimer(isolated: Bool) async throws {
        let (_, host) = try host("thread_safe", isolated: isolated)
        let update = try host.entry("thread_safe", "update")
        DispatchQueue.concurrentPerform(iterations: 4) { worker in
            for index in 0..<500 {
                _ = try? update.callBlocking(#"{"key":"k\#(worker)-\#(index)","value":"\#(index)"}"#.bytes)
            }
        }
        // The 10 ms timer ticks beside the callers: wait for its third tick to end.
        #expect(try await timerTicked(host, 3), "thread_safe's timer never ticked 3 times")
        let snapshot = try await call(host, "thread_safe", "snapshot")
        guard case .object(let data) = snapshot["data"] else { Issue.record("no data in \(snapshot)"); return }
        #expect(snapshot["updates"] == 2000)
        #expect(data.count == 2001, "2,000 keys from the callers and last_tick from the timer")
        #expect(data["k3-499"] == "499")
        let ticks = try #require(snapshot["ticks"]?.int64Value)
        #expect(ticks >= 3)
        #expect(data["last_tick"] == .string(String(ticks)))
        #expect(host.plugin("thread_safe")?.timers == [TimerInfo(id: "tick", interval: .milliseconds(10), autoStart: true)])
    }

    @Test(arguments: [false, true]) func timersStopAndStartOnRequest(isolated: Bool) async throws {
        let (_, host) = try host("thread_safe", isolated: isolated)
        #expect(try await timerTicked(host, 1), "thread_safe's timer never ticked")
        try host.stopTimer("thread_safe", "tick")
        // "No tick after stopTimer returned", without waiting for time to pass.
        // stopTimer cancels the timer's Dispatch source (after `cancel`,
        // Dispatch never runs its handler again) and then drains the timer's
        // serial queue, where ticks run: so when it returns, every tick the
        // host started has ended, and none is queued. Checked here as: the
        // host's count of ended ticks equals the ticks the plugin saw, and a
        // second stopTimer (another drain of that queue: a tick queued behind
        // the first would run before it returns) changes neither. Showing
        // that no tick ever comes later would take waiting at least one
        // interval, a wall-clock wait: that part rests on Dispatch's cancel.
        let stopped = try host.timerTicks("thread_safe", "tick")
        #expect(try await call(host, "thread_safe", "snapshot")["ticks"]?.int64Value == Int64(stopped), "the plugin saw every tick the host ran, and no more")
        try host.stopTimer("thread_safe", "tick")
        #expect(try host.timerTicks("thread_safe", "tick") == stopped, "no tick after stopTimer returned")
        #expect(try await call(host, "thread_safe", "snapshot")["ticks"]?.int64Value == Int64(stopped), "no tick after stopTimer returned")

        try host.startTimer("thread_safe", "tick")
        #expect(try await timerTicked(host, stopped + 1), "the timer never ticked again after startTimer")
        #expect(try await call(host, "thread_safe", "snapshot")["ticks"]?.int64Value ?? 0 > Int64(stopped))
        #expect(throws: CallError(.notFound, "plugin 'thread_safe' has no timer 'tock' (it has: tick)")) {
            try host.startTimer("thread_safe", "tock")
        }
    }

    /// Waits until thread_safe's timer has ended `ticks` ticks, on a thread of
    /// its own (not Swift's pool). - Returns: false after 60 s without them.
    private func timerTicked(_ host: PluginHost, _ ticks: Int) async throws -> Bool {
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Result<Bool, CallError>, Never>) in
            let started = DetachedThread.start {
                continuation.resume(returning: Result { () throws(CallError) in try host.waitForTimer("thread_safe", "tick", ticks: ticks, timeout: .seconds(60)) })
            }
            if !started { continuation.resume(returning: .success(false)) }
        }
        return try outcome.get()
    }

    private func fastRetries(_ workspace: Workspace) throws {
        let manifest = "\(workspace.root)/reliable/plugin.toml"
        try String(contentsOfFile: manifest, encoding: .utf8)
            .replacingOccurrences(of: "multiplier_ms = 1000", with: "multiplier_ms = 1")
            .replacingOccurrences(of: "min_wait_ms = 4000", with: "min_wait_ms = 1")
            .replacingOccurrences(of: "max_wait_ms = 10000", with: "max_wait_ms = 4")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
    }

    @Test(arguments: [false, true]) func reliableFetchRetriesTransientFailures(isolated: Bool) async throws {
        let server = try LoopbackHTTPServer(routes: [
            "/flaky": .failing(first: 2, then: .json(#"{"ok":true}"#)),
            "/down": .failing(first: 100, then: .json("{}")),
        ])
        defer { server.stop() }
        let (_, host) = try host("reliable", isolated: isolated, edit: fastRetries)
        let result = try await call(host, "reliable", "reliable_fetch", ["url": .string(server.url("/flaky"))])
        #expect(result == ["data": ["ok": true]])
        #expect(server.requestCount(for: "/flaky") == 3)

        let error = try await #require(throws: CallError.self) {
            try await host.call("reliable", "reliable_fetch", arguments: #"{"url":"\#(server.url("/down"))"}"#.bytes)
        }
        #expect(error.code == .executionFailed)
        #expect(error.message.hasPrefix("gave up after 3 attempts: HTTP 503"))
        #expect(server.requestCount(for: "/down") == 3)
    }

    @Test(arguments: [false, true]) func reliableFetchGivesUpBeforeTheCallsDeadlineAndSaysSo(isolated: Bool) async throws {
        // The real schedule (4 s, then 4 s) under a 2 s deadline: the first
        // wait would pass it, so the retry stops at once instead of letting
        // the host time the call out.
        let server = try LoopbackHTTPServer(routes: ["/down": .failing(first: 100, then: .json("{}"))])
        defer { server.stop() }
        let (_, host) = try host("reliable", isolated: isolated)
        let error = try await #require(throws: CallError.self) {
            try await host.call("reliable", "reliable_fetch", arguments: #"{"url":"\#(server.url("/down"))"}"#.bytes, timeout: .seconds(2))
        }
        #expect(error.code == .executionFailed)
        #expect(error.message.hasPrefix("gave up after 1 attempt, as the next one (in "), "\(error.message)")
        #expect(error.message.contains("would start after the call's deadline"))
        #expect(server.requestCount(for: "/down") == 1)
    }

    @Test(arguments: [false, true]) func configurableKeepsTypedSettingsBesidePluginToml(isolated: Bool) async throws {
        let (workspace, host) = try host("configurable", isolated: isolated)
        let file = "\(workspace.root)/configurable/config.json"
        #expect(try await call(host, "configurable", "get_settings") == ["timeout": 30], "defaults without a file")
        #expect(!FileManager.default.fileExists(atPath: file))
        #expect(try await call(host, "configurable", "set_settings", ["timeout": 60]) == ["timeout": 60])
        #expect(try JSON.parse(String(contentsOfFile: file, encoding: .utf8)) == ["timeout": 60])

        // Through the host (nekoctl settings): the change hook refuses 0, and nothing changes.
        let refused = try #require(throws: CallError.self) { try host.changeSettings(of: "configurable", with: ["timeout": 0]) }
        #expect(refused.code == .invalidArgument)
        #expect(refused.message.contains("must be more than 0"))
        #expect(try JSON.parse(String(contentsOfFile: file, encoding: .utf8)) == ["timeout": 60])
        #expect(try host.changeSettings(of: "configurable", with: ["timeout": 45]) == ["timeout": 45])
        #expect(try await call(host, "configurable", "get_settings") == ["timeout": 45])
        host.shutdown()

        // A new host reads the file; a malformed one fails the plugin, naming the file.
        let again = workspace.host()
        again.loadAll()
        #expect(try JSON.parse(try await again.call("configurable", "get_settings", arguments: [])) == ["timeout": 45])
        again.shutdown()
        try #"{"timeout": "soon"}"#.write(toFile: file, atomically: true, encoding: .utf8)
        let broken = workspace.host()
        broken.loadAll()
        guard case .failed(let failure) = broken.plugin("configurable")?.state else {
            Issue.record("a config.json with a string timeout loaded")
            return
        }
        #expect(failure.phase == .startup)
        #expect(failure.message.contains("config.json"))
        #expect(failure.message.contains("timeout"))
    }

    @Test(arguments: [false, true]) func persistentRecordsSurviveARestart(isolated: Bool) async throws {
        let (workspace, host) = try host("persistent", isolated: isolated)
        #expect(try await call(host, "persistent", "save", ["key": "a", "value": "it's \"quoted\""]) == ["saved": true])
        #expect(try await call(host, "persistent", "save", ["key": "b", "value": "二"]) == ["saved": true])
        #expect(try await call(host, "persistent", "save", ["key": "a", "value": "replaced"]) == ["saved": true])
        let missing = try #require(throws: CallError.self) { try host.callBlocking("persistent", "get", arguments: #"{"key":"zz"}"#.bytes) }
        #expect(missing == CallError(.notFound, "no record with key 'zz'"))
        host.shutdown()

        let restarted = workspace.host()
        defer { restarted.shutdown() }
        restarted.loadAll()
        let record = try await call(restarted, "persistent", "get", ["key": "a"])
        #expect(record["value"] == "replaced")
        let list = try await call(restarted, "persistent", "list")
        #expect(list["records"]?[0]?["key"] == "a")
        #expect(list["records"]?[1]?["value"] == "二")
        #expect(FileManager.default.fileExists(atPath: "\(workspace.root)/persistent/data.db"), "beside plugin.toml, as in the seed")
    }
}
