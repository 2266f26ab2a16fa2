#if canImport(Glibc)
import Glibc
#endif
import Logging
import NekoServe

/// Where nekoctl writes: results to standard output, everything else to
/// standard error.
enum Terminal {
    /// Writes a line to standard output.
    static func out(_ line: String) {
        write(line + "\n", to: 1)
    }

    /// Writes a line to standard error.
    static func error(_ line: String) {
        write(line + "\n", to: 2)
    }

    private static func write(_ text: String, to descriptor: Int32) {
        var text = text
        text.withUTF8 { bytes in
            var done = 0
            while done < bytes.count {
                let written = Glibc.write(descriptor, bytes.baseAddress! + done, bytes.count - done)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                done += written
            }
        }
    }

    /// Sends logs to standard error as `LogLines` (text unless `format`
    /// says json), at `NEKO_LOG` (trace ... critical) if set, else `level`.
    /// `hostLevel`, when given, bounds the host's own lines (see `LogLines`).
    /// `alongside`, when given, makes a second handler every line also goes
    /// to (`nekoctl mcp`'s forwarding to its client).
    static func bootstrapLogging(
        level: Logger.Level, format: LogFormat = .text, hostLevel: Logger.Level? = nil,
        alongside: (@Sendable () -> any LogHandler)? = nil
    ) {
        let configured = getenv("NEKO_LOG").flatMap { Logger.Level(rawValue: String(cString: $0)) }
        let chosen = configured ?? level
        let host = configured == nil ? hostLevel : nil
        LoggingSystem.bootstrap { _ in
            var handler = LogLines(format: format, level: chosen)
            handler.hostLevel = host
            guard let alongside else { return handler }
            return MultiplexLogHandler([handler, alongside()])
        }
    }
}
