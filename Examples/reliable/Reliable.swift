import Foundation
import FoundationNetworking
import NekoPlugin

/// The seed's `reliable_fetch`: an HTTP GET retried on transient failures
/// (connection errors, HTTP 5xx and 429) with tenacity's exponential backoff,
/// never waiting past the call's deadline.
final class Reliable: Plugin {
    static let id = "reliable"

    static let entries: [Entry<Reliable>] = [
        Entry("reliable_fetch", description: "Fetches `url`, retrying transient failures; returns its JSON as `data`.",
              hints: [.readOnly, .openWorld], Reliable.reliableFetch),
    ]

    struct Request: Codable, Sendable {
        var url: String
    }

    struct Fetched: Codable, Sendable {
        var data: JSON
    }

    /// `[retry]` in plugin.toml: the plugin's config.
    struct RetryConfig: Codable, Sendable {
        var attempts: Int
        var multiplier_ms: Int
        var min_wait_ms: Int
        var max_wait_ms: Int
        var jitter: Double
    }

    /// An HTTP answer worth trying again.
    struct Transient: Error, CustomStringConvertible {
        var description: String
    }

    private let retry: Retry

    init(context: PluginContext) throws {
        let config = try context.config("retry", as: RetryConfig.self)
        let logger = context.logger
        retry = Retry(
            attempts: config.attempts,
            backoff: .exponential(
                multiplier: .milliseconds(config.multiplier_ms), min: .milliseconds(config.min_wait_ms),
                max: .milliseconds(config.max_wait_ms), jitter: config.jitter),
            retrying: { $0 is Transient || $0 is URLError },
            onRetry: { attempt, error, wait in logger.warning("attempt \(attempt) failed (\(error)); retrying in \(wait)") })
    }

    func reliableFetch(_ request: Request) async throws -> Fetched {
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
        do {
            return Fetched(data: try JSON.parse(Array(body)))
        } catch {
            throw CallError.executionFailed("GET \(request.url): the body is not JSON: \(error)")
        }
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Reliable.self, host) }
