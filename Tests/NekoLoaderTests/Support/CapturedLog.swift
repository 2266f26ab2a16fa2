import Logging
@_spi(Neko) import NekoCore
import Synchronization

/// A log handler that keeps every line, for tests that check what the host
/// logs, or wait for it to log something.
final class CapturedLog: Sendable {
    private let lines = Mutex<[(level: Logger.Level, message: String)]>([])
    private let logged = LockAndCondition()

    /// A logger that writes here, at `level` and above.
    func logger(level: Logger.Level = .trace) -> Logger {
        var logger = Logger(label: "neko-test") { _ in Handler(log: self) }
        logger.logLevel = level
        return logger
    }

    /// The lines logged at `level`, in order.
    func messages(at level: Logger.Level) -> [String] {
        lines.withLock { $0.filter { $0.level == level }.map(\.message) }
    }

    /// Blocks until a line at `level` containing `text` has been logged,
    /// or `limit` passes. - Returns: the first such line, or nil.
    func wait(at level: Logger.Level, for text: String, limit: Duration) -> String? {
        var found: String?
        _ = logged.wait(until: .now + limit) {
            found = messages(at: level).first { $0.contains(text) }
            return found != nil
        }
        return found
    }

    fileprivate func append(_ level: Logger.Level, _ message: String) {
        lines.withLock { $0.append((level, message)) }
        logged.notifyAll()
    }

    private struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.append(event.level, "\(event.message)")
        }
    }
}
