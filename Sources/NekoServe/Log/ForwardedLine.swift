import Logging

/// Which log lines leave the host for a subscriber (a `watch` with logs, an
/// MCP client), and under whose name: a plugin's own line (its source is its
/// id), or a host line at warning and above, which speaks as `neko` and may
/// be about a plugin. One rule for ``LogBroadcastHandler`` and `nekoctl mcp`'s
/// forwarder.
public struct ForwardedLine: Sendable {
    /// Who speaks: the plugin's id for its own line, else `"neko"`.
    public let speaker: String
    /// The plugin a host line is about (its `plugin` metadata), or nil.
    public let about: String?

    /// The routing of `event` (with the handler's own `metadata`), or nil for a
    /// line that stays in the host.
    public init?(_ event: LogEvent, metadata: Logger.Metadata) {
        let plugin = event.metadata?["plugin"].map { "\($0)" } ?? metadata["plugin"].map { "\($0)" }
        let fromPlugin = plugin != nil && plugin == event.source
        guard fromPlugin || event.level >= .warning else { return nil }
        speaker = fromPlugin ? plugin! : "neko"
        about = fromPlugin ? nil : plugin
    }
}
