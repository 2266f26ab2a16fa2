@testable import Example_hello
import NekoPluginTesting
import Testing

/// A plugin whose state a reload may refuse, and whose startup may fail.
final class Refuser: Plugin, StatefulPlugin {
    static let entries = [
        Entry("set", description: "Sets the count.", Refuser.set),
        Entry("get", description: "The count.", Refuser.get),
    ]
    struct Count: Codable { var count: Int }

    let count = Mutex(0)
    init(context: PluginContext) throws {}

    func startup() async throws {
        if count.withLock({ $0 }) > 100 { throw CallError.executionFailed("more than 100 is too many") }
    }

    func set(_ new: Count) -> Bool {
        count.withLock { $0 = new.count }
        return true
    }

    func get() -> Count { Count(count: count.withLock { $0 }) }

    func saveState() -> Count { get() }

    func restoreState(_ state: Count) throws {
        guard state.count >= 0 else { throw CallError.invalidArgument("count", "cannot be negative") }
        count.withLock { $0 = state.count }
    }
}

/// What the harness refuses, and what it does when the plugin refuses.
@Suite struct HarnessInputTests {
    let manifest = HarnessManifest(id: "refuser")

    @Test func aConfigThatIsNotAnObjectIsRefused() {
        let error = #expect(throws: HarnessLoadError.self) { try PluginHarness(Refuser.self, manifest: manifest, config: [1, 2]) }
        #expect(error == HarnessLoadError(phase: "manifest", "config must be a JSON object of tables, got array"))
    }

    @Test func aRefusedStateKeepsTheOldGenerationServing() async throws {
        let harness = try PluginHarness(Refuser.self, manifest: manifest)
        _ = try await harness.call("set", Refuser.Count(count: -1), as: Bool.self)
        let refused = #expect(throws: HarnessLoadError.self) { try harness.reload() }
        #expect(refused == HarnessLoadError(phase: "restore", "cannot be negative"))
        #expect(try await harness.call("get", as: Refuser.Count.self).count == -1, "the old generation still answers")

        _ = try await harness.call("set", Refuser.Count(count: 7), as: Bool.self)
        try harness.reload()
        #expect(try await harness.call("get", as: Refuser.Count.self).count == 7)
    }

    @Test func aFailedStartupIsAFailedReloadAndTheHarnessIsThenStopped() async throws {
        let harness = try PluginHarness(Refuser.self, manifest: manifest)
        _ = try await harness.call("set", Refuser.Count(count: 101), as: Bool.self)
        let failed = #expect(throws: HarnessLoadError.self) { try harness.reload() }
        #expect(failed == HarnessLoadError(phase: "startup", "more than 100 is too many"))
        let stopped = await #expect(throws: CallError.self) { try await harness.call("get", as: Refuser.Count.self) }
        #expect(stopped?.code == .unavailable)
        #expect(throws: HarnessLoadError(phase: "reload", "the plugin is not running")) { try harness.reload() }
    }

    @Test func aResultOfAnotherShapeAndUnknownTimersAreNamed() async throws {
        let harness = try PluginHarness(Refuser.self, manifest: manifest)
        let shape = await #expect(throws: CallError.self) { try await harness.call("get", as: [String].self) }
        #expect(shape?.code == .executionFailed)
        #expect(shape?.message.hasPrefix("refuser:get returned a result that does not decode as Array<String>") == true, "\(shape?.message ?? "")")
        #expect(throws: CallError(.notFound, "plugin 'refuser' has no timer 'tick' (it has none)")) { try harness.stopTimer("tick") }
        harness.stop()
        #expect(throws: CallError.self) { try harness.settings() }
    }

    @Test func aStubThatGetsArgumentsOfAnotherShapeAnswersInvalidArgument() async throws {
        let harness = try PluginHarness(
            Hello.self, manifest: HarnessManifest(id: "hello", version: "1.0.0"), config: ["greeting": ["word": "Hi", "punctuation": "!"]])
        harness.stub("cgreet", "greet") { (count: Refuser.Count) in ["greeting": "\(count.count)"] }
        let error = await #expect(throws: CallError.self) { try await harness.call("relay", ["name": "Ada"] as JSON, as: JSON.self) }
        #expect(error?.code == .invalidArgument)
    }
}
