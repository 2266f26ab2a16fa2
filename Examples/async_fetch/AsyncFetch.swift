import NekoHTTP

/// The seed's `async_task`: `await` an HTTP GET and return the JSON it got.
/// `HTTP.get` refuses a URL that is not http(s) as `invalid_argument` on
/// `url`, makes an HTTP error status an error result, and gives up at the
/// call's deadline (10 s) or when the call is canceled.
struct AsyncFetch: Plugin {
    static let entries = [Entry("async_task", description: "Fetches `url` (http or https); its JSON body is `data`.",
                                hints: [.readOnly, .openWorld], timeout: .seconds(10), AsyncFetch.asyncTask)]
    struct Request: Decodable { var url: String }
    func asyncTask(_ request: Request) async throws -> [String: JSON] { ["data": try await HTTP.get(request.url, argument: "url").json()] }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(AsyncFetch.self) }
