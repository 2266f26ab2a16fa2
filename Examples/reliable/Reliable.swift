import Foundation
import FoundationNetworking
import NekoPlugin

/// The seed's `reliable_fetch`: an HTTP GET retried on transient failures
/// (connection errors, HTTP 5xx and 429) with tenacity's exponential backoff,
/// configured by `[retry]` in plugin.toml, never waiting past the call's deadline.
struct Reliable: Plugin {
    static let entries = [Entry("reliable_fetch", description: "Fetches `url`, retrying transient failures; its JSON is `data`.",
                                hints: [.readOnly, .openWorld], Reliable.reliableFetch)]
    struct Request: Decodable { var url: String }
    struct RetryConfig: Decodable { var attempts, multiplier_ms, min_wait_ms, max_wait_ms: Int; var jitter: Double }
    struct Transient: Error, CustomStringConvertible { var description: String }
    let retry: Retry

    init(context: PluginContext) throws {
        let config = try context.config("retry", as: RetryConfig.self), logger = context.logger
        retry = Retry(attempts: config.attempts, backoff: .exponential(multiplier: .milliseconds(config.multiplier_ms),
                      min: .milliseconds(config.min_wait_ms), max: .milliseconds(config.max_wait_ms), jitter: config.jitter),
                      retrying: { $0 is Transient || $0 is URLError }, onRetry: { logger.warning("attempt \($0) failed (\($1)); retrying in \($2)") })
    }

    func reliableFetch(_ request: Request) async throws -> [String: JSON] {
        guard let url = URL(string: request.url), ["http", "https"].contains(url.scheme) else {
            throw CallError.invalidArgument("url", "expected an http or https URL, got \"\(request.url)\"")
        }
        let body = try await retry.run {
            let (body, response) = try await URLSession.shared.data(from: url)
            let status = (response as? HTTPURLResponse)?.statusCode ?? 0
            if status >= 500 || status == 429 { throw Transient(description: "HTTP \(status) from \(request.url)") }
            guard (200..<300).contains(status) else { throw CallError.executionFailed("GET \(request.url): HTTP \(status)") }
            return body
        }
        return ["data": try JSON.parse(Array(body))]
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Reliable.self) }
