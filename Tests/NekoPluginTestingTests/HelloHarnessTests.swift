@testable import Example_hello
import NekoPlugin
import NekoPluginTesting
import Testing

/// A plugin that declares its id, which the manifest must then repeat.
struct Pinned: Plugin {
    static let id = "pinned"
    static let entries: [Entry<Pinned>] = []
}

/// The hello example in the harness: typed and raw calls, errors as a host
/// answers them, the config, emits, logs, progress, the call's context, and
/// calls to other plugins answered by stubs.
@Suite struct HelloHarnessTests {
    let harness: PluginHarness<Hello>

    init() throws {
        harness = try PluginHarness(Hello.self, manifest: HarnessManifest(id: "hello", version: "1.0.0"),
                                    config: ["greeting": ["word": "Hi", "punctuation": "."]])
    }

    @Test func aTypedCallUsesTheConfigAndTellsTheHost() async throws {
        let greeting = try await harness.call("greet", Hello.Who(name: "Ada"), as: Hello.Greeting.self)
        #expect(greeting.greeting == "Hi, Ada.")
        #expect(harness.emitted == [EmittedMessage("greeted", ["name": "Ada"])])
        #expect(try await harness.call("stats", as: [String: Int].self) == ["greetings": 1])
    }

    @Test func startupLogsAreKeptWithTheirLevel() {
        #expect(harness.logs == [LogLine(.info, "hello is up, greeting with 'Hi'")])
    }

    @Test func addAndRawJSONGoThroughTheSameEntries() async throws {
        #expect(try await harness.call("add", ["a": 2, "b": 40.5] as JSON, as: [String: Double].self) == ["sum": 42.5])
        let echoed = try await harness.callRaw("echo", Array(#"{"x":[1,2]}"#.utf8))
        #expect(String(decoding: echoed, as: UTF8.self) == #"{"x":[1,2]}"#)
        #expect(try await harness.callRaw("noop", []) == [])
    }

    @Test func badArgumentsAreRefusedNamingTheField() async throws {
        let wrongType = await #expect(throws: CallError.self) {
            try await harness.call("greet", ["name": 42] as JSON, as: JSON.self)
        }
        #expect(wrongType?.code == .invalidArgument)
        #expect(wrongType?.field == "name")
        #expect(wrongType?.message.contains("must be a string") == true, "\(wrongType?.message ?? "")")
        let empty = await #expect(throws: CallError.self) { try await harness.call("greet", Hello.Who(name: ""), as: JSON.self) }
        #expect(empty == CallError.invalidArgument("name", "must not be empty"))
        let notJSON = await #expect(throws: CallError.self) { try await harness.callRaw("greet", Array("{name".utf8)) }
        #expect(notJSON?.code == .invalidArgument)
        #expect(harness.emitted.isEmpty, "nothing ran")
    }

    @Test func anUnknownEntryIsNotFoundAndAThrownErrorIsAnErrorResult() async throws {
        let unknown = await #expect(throws: CallError.self) { try await harness.call("grete", as: JSON.self) }
        #expect(unknown == CallError(.notFound, "plugin 'hello' has no entry 'grete'"))
        let failed = await #expect(throws: CallError.self) { try await harness.call("fail", ["message": "on purpose"] as JSON, as: Bool.self) }
        #expect(failed == CallError.executionFailed("on purpose"))
        #expect(try await harness.call("ping", as: Bool.self), "the plugin goes on")
    }

    @Test func progressIsKeptPerCall() async throws {
        #expect(try await harness.call("count", ["to": 3] as JSON, as: [String: Int].self) == ["counted": 3])
        let reports = harness.progress
        #expect(reports.map(\.progress) == (1...3).map { CallProgress(done: Double($0), total: 3, message: "counted \($0)") })
        #expect(Set(reports.map(\.entry)) == ["count"])
        #expect(Set(reports.map(\.callID)).count == 1)
    }

    @Test func theEntrySeesTheCallsContext() async throws {
        let client = try await harness.call("context", as: Hello.Context.self)
        #expect(client.caller == nil)
        #expect(client.depth == 1)
        #expect(client.ms_left == nil)
        let nested = try await harness.call("context", as: Hello.Context.self, timeout: .seconds(30), caller: "planner", depth: 2)
        #expect(nested.caller == "planner")
        #expect(nested.depth == 2)
        #expect(nested.call_id > client.call_id)
        let left = try #require(nested.ms_left)
        #expect(left > 0 && left <= 30_000)
    }

    @Test func callsToOtherPluginsAreAnsweredByStubsAndRecorded() async throws {
        let missing = await #expect(throws: CallError.self) { try await harness.call("relay", Hello.Who(name: "Ada"), as: Hello.Greeting.self) }
        #expect(missing?.code == .notFound)
        #expect(missing?.message.contains(#"harness.stub("cgreet", "greet")"#) == true, "\(missing?.message ?? "")")

        harness.stub("cgreet", "greet") { (who: Hello.Who) in Hello.Greeting(greeting: "Hello from C, \(who.name)!") }
        let relayed = try await harness.call("relay", Hello.Who(name: "Grace"), as: Hello.Greeting.self)
        #expect(relayed.greeting == "Hello from C, Grace!")
        #expect(harness.outgoingCalls.last == OutgoingCallRecord(plugin: "cgreet", entry: "greet", arguments: ["name": "Grace"]))

        harness.stub("cgreet", "greet") { (_: JSON) -> JSON in throw CallError(.unavailable, "cgreet is reloading") }
        let refused = await #expect(throws: CallError.self) { try await harness.call("relay", Hello.Who(name: "Ada"), as: Hello.Greeting.self) }
        #expect(refused == CallError(.unavailable, "cgreet is reloading"))
    }

    @Test func aRefusedMessageIsNotKept() async throws {
        harness.refusesMessages = true
        _ = try await harness.call("greet", Hello.Who(name: "Ada"), as: Hello.Greeting.self)
        #expect(harness.emitted.isEmpty)
    }

    @Test func aStoppedPluginTakesNoCallsAndCancelingACallCancelsIt() async throws {
        let sleeper = Task { try await harness.call("sleep", ["ms": 60_000] as JSON, as: [String: Int].self) }
        // The call is in the plugin once it reported its start.
        while harness.progress.isEmpty { await Task.yield() }
        sleeper.cancel()
        let canceled = await #expect(throws: CallError.self) { try await sleeper.value }
        #expect(canceled?.code == .canceled)

        harness.stop()
        let stopped = await #expect(throws: CallError.self) { try await harness.call("ping", as: Bool.self) }
        #expect(stopped?.code == .unavailable)
        #expect(harness.violations.isEmpty)
    }

    @Test func aManifestThatDisagreesWithTheLibraryIsRefusedAsAHostRefusesIt() throws {
        let wrongID = #expect(throws: HarnessLoadError.self) { try PluginHarness(Pinned.self, manifest: HarnessManifest(id: "pined")) }
        #expect(wrongID == HarnessLoadError(phase: "register", "the library says it is plugin 'pinned', the manifest says 'pined'"))
        #expect(try PluginHarness(Pinned.self, manifest: HarnessManifest(id: "pinned")).manifest.id == "pinned")
        let stale = #expect(throws: HarnessLoadError.self) { try PluginHarness(Hello.self, manifest: HarnessManifest(id: "hello", version: "2.0.0")) }
        #expect(stale?.phase == "register")
        #expect(stale?.message.contains("stale build") == true)
        let badConfig = #expect(throws: HarnessLoadError.self) {
            try PluginHarness(Hello.self, manifest: HarnessManifest(id: "hello", version: "1.0.0"), config: ["greeting": ["word": 7]])
        }
        #expect(badConfig?.phase == "create")
        #expect(badConfig?.message.contains("word") == true, "\(badConfig?.message ?? "")")
    }
}
