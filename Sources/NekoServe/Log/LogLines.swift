#if canImport(Glibc)
import Glibc
#endif
import Logging
@_spi(Neko) import NekoCore

/// How a ``LogLines`` handler writes each record.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-12-02T12:49:16.123Z info hello: greeted Ada`: the time (UTC),
    /// the level, who speaks (a plugin's id for its own lines, `neko` for the
    /// host's), the message, then any other metadata as `key=value`.
    case text
    /// One JSON object per line: `time`, `level`, `origin` (`plugin` or
    /// `host`), `plugin` (the id, when the line is about or from a plugin),
    /// `message`, and `metadata` (an object) when there is more.
    case json
}

/// A swift-log handler that writes one line per record to a file
/// descriptor (standard error by default), whole lines with one `write`
/// each, so that lines from many threads never interleave.
///
/// ```swift
/// LoggingSystem.bootstrap { _ in LogLines(format: .json, level: .info) }
/// ```
///
/// A plugin's own lines (logged through `neko_host.log`) have the plugin's
/// id as their swift-log `source` and `plugin` metadata; the host's lines
/// about a plugin have `plugin` metadata and their module as the source.
public struct LogLines: LogHandler {
    /// The lowest level written.
    public var logLevel: Logger.Level
    /// Metadata added to every line.
    public var metadata: Logger.Metadata = [:]
    /// swift-log's metadata provider, if any.
    public var metadataProvider: Logger.MetadataProvider?
    /// The lowest level of the host's own lines, when it differs from
    /// `logLevel` (which then bounds the plugins' lines only): `nekoctl dev`
    /// shows a plugin's info lines and only the host's warnings.
    public var hostLevel: Logger.Level?
    /// How the lines look.
    public let format: LogFormat
    private let descriptor: Int32

    /// Makes a handler writing `format` lines at `level` and above to `descriptor`.
    public init(format: LogFormat, level: Logger.Level, descriptor: Int32 = 2) {
        self.format = format
        logLevel = level
        self.descriptor = descriptor
    }

    /// One metadata value added to every line.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Writes the record as one line.
    public func log(event: LogEvent) {
        var all = metadata
        if let provided = metadataProvider?.get() { all.merge(provided) { $1 } }
        if let given = event.metadata { all.merge(given) { $1 } }
        if let hostLevel, event.level < hostLevel, event.metadata?["plugin"].map({ "\($0)" }) != event.source { return }
        let line = Self.line(format: format, time: WallClock.now(), level: event.level, message: event.message.description, metadata: all, source: event.source)
        Self.write(line, to: descriptor)
    }

    /// The line for one record, with its newline.
    package static func line(format: LogFormat, time: Double, level: Logger.Level, message: String, metadata: Logger.Metadata, source: String) -> String {
        var rest = metadata
        let plugin = rest.removeValue(forKey: "plugin").map { "\($0)" }
        let fromPlugin = plugin != nil && plugin == source
        switch format {
        case .text:
            var text = "\(timestamp(time)) \(level.rawValue) \(fromPlugin ? plugin! : "neko"): \(message)"
            for key in rest.keys.sorted() { text += " \(key)=\(rest[key]!)" }
            return text + "\n"
        case .json:
            var object: JSONObject = [
                "time": .string(timestamp(time)), "level": .string(level.rawValue),
                "origin": .string(fromPlugin ? "plugin" : "host"), "message": .string(message),
            ]
            if let plugin { object["plugin"] = .string(plugin) }
            if !rest.isEmpty {
                object["metadata"] = .object(JSONObject(rest.keys.sorted().map { (key: $0, value: JSON.string("\(rest[$0]!)")) }))
            }
            return String(decoding: JSON.object(object).serialized(), as: UTF8.self) + "\n"
        }
    }

    /// `2026-12-02T12:49:16.123Z` for seconds since 1970 (UTC).
    static func timestamp(_ seconds: Double) -> String {
        var whole = time_t(seconds.rounded(.down))
        let milliseconds = min(999, Int((seconds - Double(whole)) * 1000))
        var parts = tm()
        gmtime_r(&whole, &parts)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec)).\(millis)Z"
    }

    private static func write(_ line: String, to descriptor: Int32) {
        var line = line
        line.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                done += written
            }
        }
    }
}
