import Foundation
import FoundationNetworking
import NekoPlugin

/// The seed's `async_task`: `await` an HTTP GET and return the JSON it got.
final class AsyncFetch: Plugin {
    static let id = "async_fetch"

    static let entries: [Entry<AsyncFetch>] = [
        Entry("async_task", description: "Fetches `url` (http or https) and returns its JSON body as `data`.",
              hints: [.readOnly, .openWorld], timeout: .seconds(10), AsyncFetch.asyncTask),
    ]

    struct Request: Codable, Sendable {
        var url: String
    }

    struct Fetched: Codable, Sendable {
        var data: JSON
    }

    init(context: PluginContext) {}

    func asyncTask(_ request: Request) async throws -> Fetched {
        guard let url = URL(string: request.url), ["http", "https"].contains(url.scheme) else {
            throw CallError.invalidArgument("url", "expected an http or https URL, got \"\(request.url)\"")
        }
        let (body, response) = try await URLSession.shared.data(from: url)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else {
            throw CallError.executionFailed("GET \(request.url): HTTP \(status)")
        }
        do {
            return Fetched(data: try JSON.parse(Array(body)))
        } catch {
            throw CallError.executionFailed("GET \(request.url): the body is not JSON: \(error)")
        }
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(AsyncFetch.self, host) }
