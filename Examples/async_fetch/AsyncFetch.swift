import Foundation
import FoundationNetworking
import NekoPlugin

/// The seed's `async_task`: `await` an HTTP GET and return the JSON it got.
struct AsyncFetch: Plugin {
    static let entries = [Entry("async_task", description: "Fetches `url` (http or https); its JSON body is `data`.",
                                hints: [.readOnly, .openWorld], timeout: .seconds(10), AsyncFetch.asyncTask)]
    struct Request: Decodable { var url: String }

    func asyncTask(_ request: Request) async throws -> [String: JSON] {
        guard let url = URL(string: request.url), ["http", "https"].contains(url.scheme) else {
            throw CallError.invalidArgument("url", "expected an http or https URL, got \"\(request.url)\"")
        }
        let (body, response) = try await URLSession.shared.data(from: url)
        let status = (response as? HTTPURLResponse)?.statusCode ?? 0
        guard (200..<300).contains(status) else { throw CallError.executionFailed("GET \(request.url): HTTP \(status)") }
        return ["data": try JSON.parse(Array(body))]
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(AsyncFetch.self) }
