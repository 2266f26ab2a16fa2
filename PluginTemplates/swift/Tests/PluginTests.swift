@testable import __TYPE__
import NekoPluginTesting
import Testing

/// The plugin, hosted inside the test by NekoPluginTesting: the same calls a
/// host makes, without building the .so or running nekoctl. Run: `make test`.
@Suite struct PluginTests {
    let harness: PluginHarness<__TYPE__>

    init() throws {
        // The manifest and config of plugin.toml, as the host would read them.
        harness = try PluginHarness(
            __TYPE__.self, manifest: HarnessManifest(id: "__ID__", version: "0.1.0"), config: ["greeting": ["word": "Hello"]])
    }

    @Test func helloGreetsByNameAndCounts() async throws {
        let greeting = try await harness.call("hello", ["name": "Ada"] as JSON, as: JSON.self)
        #expect(greeting == ["greeting": "Hello, Ada!"])
        #expect(try await harness.call("count", as: JSON.self) == ["greeted": 1])
        #expect(harness.logs.contains(LogLine(.info, "greeting Ada")))
    }

    @Test func aNameThatIsNotAStringIsRefused() async throws {
        let error = await #expect(throws: CallError.self) {
            try await harness.call("hello", ["name": 42] as JSON, as: JSON.self)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "name")
    }
}
