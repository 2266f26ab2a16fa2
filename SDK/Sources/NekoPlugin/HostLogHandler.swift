import Logging
import NekoABI

/// A swift-log handler that sends a plugin's log lines to the host, which
/// attributes them to the plugin and writes them where the host logs.
struct HostLogHandler: LogHandler {
    let host: HostTable
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]
    var metadataProvider: Logger.MetadataProvider?

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard let log = host.log else { return }
        var text = event.message.description
        let extra = metadata.merging(event.metadata ?? [:]) { $1 }
        if !extra.isEmpty {
            text += " " + extra.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        }
        let level: neko_log_level = switch event.level {
        case .trace: Int32(NEKO_LOG_TRACE)
        case .debug: Int32(NEKO_LOG_DEBUG)
        case .info, .notice: Int32(NEKO_LOG_INFO)
        case .warning: Int32(NEKO_LOG_WARNING)
        case .error, .critical: Int32(NEKO_LOG_ERROR)
        }
        text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) { log(host.pointer, level, $0.baseAddress, $0.count) }
        }
    }
}
