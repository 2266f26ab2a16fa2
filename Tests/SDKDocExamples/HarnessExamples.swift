import FoundationEssentials
import NekoPlugin
import NekoPluginTesting
import Testing

// docs/SDK.md, "Testing a plugin".

@Suite struct HarnessExamples {
    @Test func callsAndTheirErrors() async throws {
        let harness = try PluginHarness(Notes.self, manifest: HarnessManifest(id: "notes", version: "1.2.0"))
        let added = try await harness.call("add", Notes.Note(text: "milk"), as: [String: Int].self)
        let count = try await harness.call("count", as: Int.self)
        let echoed = try await harness.callRaw("echo", Array(#"{"a": 1}"#.utf8))
        let same = try await harness.call("add", ["text": "eggs"] as JSON, as: JSON.self)
        #expect(added == ["count": 1] && count == 1 && same == ["count": 2])
        #expect(String(decoding: echoed, as: UTF8.self) == #"{"a": 1}"#)

        let error = await #expect(throws: CallError.self) {
            try await harness.call("add", ["text": 42] as JSON, as: JSON.self)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "text")
    }

    @Test func whatThePluginDidIsKept() async throws {
        let harness = try PluginHarness(
            Weather.self, manifest: HarnessManifest(id: "weather"), config: ["units": ["metric": false, "decimals": 0]], settings: ["timeout": 5])
        harness.stub("sensors", "read") { (_: JSON) in ["celsius": 21.5] }
        _ = try await harness.call("forecast", ["city": "Oslo"] as JSON, as: Weather.Forecast.self,
                                   timeout: .seconds(5), caller: "planner", depth: 2)
        #expect(harness.logs.first?.level == .info)
        #expect(harness.emitted.map(\.topic) == ["asked"])
        #expect(harness.outgoingCalls.map(\.entry) == ["read"])
        #expect(harness.progress.isEmpty && harness.violations.isEmpty)
        harness.clearRecords()
        harness.refusesMessages = true
        _ = try await harness.call("forecast", ["city": "Oslo"] as JSON, as: Weather.Forecast.self)
        #expect(harness.emitted.isEmpty)
        #expect(harness.logs.last == LogLine(.warning, "not told: the host's message queue is full"))
    }

    @Test func settingsFoldersAndReload() async throws {
        let harness = try PluginHarness(
            Weather.self, manifest: HarnessManifest(id: "weather"), config: ["units": ["metric": true, "decimals": 1]], settings: ["timeout": 5])
        try harness.changeSettings(["timeout": 60])
        #expect(try harness.settings() == ["timeout": 60])
        #expect(FileManager.default.fileExists(atPath: harness.folder.appending(path: "config.json").path))
        #expect(harness.dataFolder == harness.folder && harness.manifest.id == "weather")
        try harness.reload()
        harness.stop()
        let stopped = await #expect(throws: CallError.self) { try await harness.call("remember", ["city": "Oslo"] as JSON, as: JSON.self) }
        #expect(stopped?.code == .unavailable)
    }

    @Test func timersRunOnTheHarnessClock() throws {
        let harness = try PluginHarness(Monitor.self, manifest: HarnessManifest(id: "monitor"))
        harness.advance(by: .seconds(10))
        #expect(harness.now == .seconds(10))
        #expect(harness.ticks(of: "heartbeat") == 2)
        #expect(harness.isTimerRunning("heartbeat") && !harness.isTimerRunning("cleanup"))
        try harness.stopTimer("heartbeat")
        harness.advance(by: .seconds(10))
        #expect(harness.ticks(of: "heartbeat") == 2)
    }

    @Test func aPluginAHostWouldRefuseIsRefused() {
        let error = #expect(throws: HarnessLoadError.self) {
            try PluginHarness(Notes.self, manifest: HarnessManifest(id: "notes", version: "1.0.0"))
        }
        #expect(error?.phase == "register")
        #expect(error?.message == "the library is version 1.2.0, the manifest says 1.0.0 (a stale build?)")
    }
}
