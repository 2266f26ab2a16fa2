@testable import Example_reliable
import NekoPlugin
import NekoPluginTesting
import NekoTestSupport
import Testing

/// The reliable example in the harness: its policy from `[retry]`, each
/// retry logged as a warning of the plugin (the SDK's default), a 404 not
/// retried, and a bad `[retry]` table refused naming the key.
@Suite(.timeLimit(.minutes(1)))
struct ReliableHarnessTests {
    let manifest = HarnessManifest(id: "reliable", version: "1.0.0")
    /// The example's table with millisecond waits, so that retries end quickly.
    let fastRetries: JSON = ["retry": ["attempts": 3, "multiplier_ms": 1, "min_wait_ms": 1, "max_wait_ms": 4]]

    @Test func eachRetryIsLoggedAsAWarningOfThePlugin() async throws {
        let server = try LoopbackHTTPServer(routes: ["/flaky": .failing(first: 2, then: .json(#"{"ok":true}"#))])
        defer { server.stop() }
        let harness = try PluginHarness(Reliable.self, manifest: manifest, config: fastRetries)
        let url = server.url("/flaky")
        #expect(try await harness.call("reliable_fetch", ["url": .string(url)] as JSON, as: JSON.self) == ["data": ["ok": true]])
        let warnings = harness.logs.filter { $0.level == .warning }.map(\.message)
        #expect(warnings.count == 2, "\(harness.logs)")
        #expect(warnings.first?.hasPrefix("attempt 1 failed (HTTP 503 from \(url)); retrying in ") == true, "\(warnings)")
        #expect(warnings.last?.hasPrefix("attempt 2 failed (HTTP 503 from \(url)); retrying in ") == true, "\(warnings)")
    }

    @Test func aNotFoundIsNotRetriedNorLogged() async throws {
        let server = try LoopbackHTTPServer()
        defer { server.stop() }
        let harness = try PluginHarness(Reliable.self, manifest: manifest, config: fastRetries)
        let error = await #expect(throws: CallError.self) {
            try await harness.call("reliable_fetch", ["url": .string(server.url("/nope"))] as JSON, as: JSON.self)
        }
        #expect(error?.code == .executionFailed)
        #expect(error?.message == "HTTP 404 from \(server.url("/nope"))")
        #expect(server.requestCount(for: "/nope") == 1)
        #expect(harness.logs.filter { $0.level == .warning }.isEmpty, "\(harness.logs)")
    }

    @Test func aBadURLIsAnInvalidArgumentOnURL() async throws {
        let harness = try PluginHarness(Reliable.self, manifest: manifest, config: fastRetries)
        let error = await #expect(throws: CallError.self) {
            try await harness.call("reliable_fetch", ["url": "ftp://x"] as JSON, as: JSON.self)
        }
        #expect(error?.code == .invalidArgument)
        #expect(error?.field == "url")
    }

    @Test func aBadRetryTableFailsTheCreateNamingTheKey() throws {
        let error = #expect(throws: HarnessLoadError.self) {
            try PluginHarness(Reliable.self, manifest: manifest, config: ["retry": ["attempts": 0]])
        }
        #expect(error?.phase == "create")
        #expect(error?.message == "plugin.toml [retry]: key 'attempts' is invalid: must be at least 1, got 0", "\(error?.description ?? "")")
    }
}
