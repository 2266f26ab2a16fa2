import NekoHTTP

/// The seed's `reliable_fetch`: an HTTP GET retried with tenacity's
/// exponential backoff, as `[retry]` of plugin.toml says. The SDK's
/// defaults do the rest: only transient failures are retried (HTTP 5xx and
/// 429, failed connections: `HTTPError.isTransient`; a 404 or a URL that is
/// not http(s) fails at once), each retry is logged as a warning of the
/// plugin, and no wait runs past the call's deadline.
struct Reliable: Plugin {
    static let entries = [Entry("reliable_fetch", description: "Fetches `url`, retrying transient failures; its JSON is `data`.",
                                hints: [.readOnly, .openWorld], Reliable.reliableFetch)]
    struct Request: Decodable { var url: String }
    let retry: Retry
    init(context: PluginContext) throws { retry = try context.config("retry") }
    func reliableFetch(_ request: Request) async throws -> [String: JSON] {
        ["data": try await retry.run { try await HTTP.get(request.url, argument: "url").json() }]
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Reliable.self) }
