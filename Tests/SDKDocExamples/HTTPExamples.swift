import NekoHTTP   // NekoPlugin, and HTTP

struct Sky: Plugin {
    static let entries = [Entry("forecast", description: "The forecast at `url`, as JSON.", hints: [.readOnly, .openWorld], Sky.forecast)]
    struct Request: Decodable { var url: String }
    let retry: Retry

    init(context: PluginContext) throws {
        retry = try context.config("retry", as: Retry.self)   // [retry] of plugin.toml; every key may be left out
    }

    func forecast(_ request: Request) async throws -> JSON {
        try await retry.run { try await HTTP.get(request.url, argument: "url").json() }
    }
}

// docs/SDK.md, "HTTP": the blocks above and in the test, against a server on the loopback.

import NekoPluginTesting
import NekoTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct HTTPExamples {
    @Test func getAnswersOrThrows() async throws {
        let server = try LoopbackHTTPServer(routes: ["/forecast": .always(.json(#"{"sky":"clear"}"#))])
        defer { server.stop() }
        let page = try await HTTP.get(server.url("/forecast"), headers: ["Accept": "application/json"])
        #expect(page.status == 200 && page.headers["content-type"] == "application/json")
        #expect(try page.json() == ["sky": "clear"])

        let missing = await #expect(throws: HTTPError.self) { try await HTTP.get(server.url("/nowhere")) }
        #expect(missing?.status == 404 && missing?.isTransient == false)
        let refused = await #expect(throws: CallError.self) { try await HTTP.get("ftp://example.com", argument: "url") }
        #expect(refused?.code == .invalidArgument && refused?.field == "url")
    }

    @Test func theSkyPluginRetriesA503AndLogsIt() async throws {
        let server = try LoopbackHTTPServer(routes: ["/forecast": .failing(first: 1, then: .json(#"{"sky":"clear"}"#))])
        defer { server.stop() }
        let harness = try PluginHarness(Sky.self, manifest: HarnessManifest(id: "sky"), config: ["retry": ["multiplier_ms": 1]])
        let forecast = try await harness.call("forecast", ["url": .string(server.url("/forecast"))] as JSON, as: JSON.self)
        #expect(forecast == ["sky": "clear"])
        #expect(server.requestCount(for: "/forecast") == 2)
        #expect(harness.logs.map(\.level) == [.warning], "\(harness.logs)")
    }
}
