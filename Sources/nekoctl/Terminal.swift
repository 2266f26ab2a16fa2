#if canImport(Glibc)
import Glibc
#endif
import Logging

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

    /// Sends logs to standard error, at `NEKO_LOG` (trace ... critical) or
    /// else `error`, so that only what went wrong interrupts the output.
    static func bootstrapLogging(verbose: Bool) {
        let configured = getenv("NEKO_LOG").flatMap { Logger.Level(rawValue: String(cString: $0)) }
        let level = configured ?? (verbose ? .info : .error)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
