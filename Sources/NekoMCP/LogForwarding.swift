import Logging
import MCP
import NekoServe
@_spi(Neko) import NekoCore
import Synchronization

/// Where `nekoctl mcp` forwards log lines as `notifications/message`: set
/// once the server runs; until then (and when no client asked with
/// `logging/setLevel`) lines are not forwarded.
public final class MCPLogSink: Sendable {
    /// Receives a line: its MCP level, who speaks (a plugin's id, or `neko`) and the data.
    public typealias Target = @Sendable (LogLevel, String, JSON) -> Void
    private let target = Mutex<Target?>(nil)

    /// A sink with no target yet.
    public init() {}

    /// Sends the lines to `target` from now on.
    public func attach(_ target: @escaping Target) {
        self.target.withLock { $0 = target }
    }

    /// Hands a line to the target, if there is one.
    public func forward(_ level: LogLevel, _ speaker: String, _ data: JSON) {
        target.withLock { $0 }?(level, speaker, data)
    }
}

/// A swift-log handler that hands a plugin's own lines, and the host's
/// warnings and errors, to an ``MCPLogSink``; beside `LogLines` (standard
/// error) in a `MultiplexLogHandler`.
public struct MCPLogForwarder: LogHandler {
    /// Lets every level through: the client's `logging/setLevel` chooses.
    public var logLevel: Logger.Level = .debug
    /// Metadata added to every line.
    public var metadata: Logger.Metadata = [:]
    private let sink: MCPLogSink

    /// A handler forwarding to `sink`.
    public init(sink: MCPLogSink) {
        self.sink = sink
    }

    /// One metadata value added to every line.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Forwards a plugin's own line (its source is its id), or a host line at warning and above.
    public func log(event: LogEvent) {
        guard let line = ForwardedLine(event, metadata: metadata) else { return }
        var data: JSONObject = ["message": .string(event.message.description)]
        if let about = line.about { data["plugin"] = .string(about) }
        sink.forward(Self.level(event.level), line.speaker, .object(data))
    }

    /// MCP's level for a swift-log level.
    static func level(_ level: Logger.Level) -> LogLevel {
        switch level {
        case .trace, .debug: .debug
        case .info: .info
        case .notice: .notice
        case .warning: .warning
        case .error: .error
        case .critical: .critical
        }
    }
}
