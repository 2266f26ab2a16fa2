import Logging
@_spi(Neko) import NekoCore
import Synchronization

/// The log lines and emitted messages of a running `nekoctl serve`, handed
/// to whoever subscribed: the `watch` requests that asked for `"logs": true`
/// (docs/SERVE.md). Lines come in through ``LogBroadcastHandler``, messages
/// through ``publishMessage(plugin:topic:payload:)``.
public final class LogBroadcast: Sendable {
    /// Receives one event line: `{"event":"log",...}` or `{"event":"message",...}`.
    public typealias Subscriber = @Sendable (JSONObject) -> Void
    private let subscribers = Mutex<(next: Int, all: [Int: (minimum: Logger.Level, receive: Subscriber)])>((0, [:]))

    /// A broadcast with no subscriber yet.
    public init() {}

    /// Sends the lines at `minimum` and above, and every message, to
    /// `receive` until ``unsubscribe(_:)`` with the returned token.
    public func subscribe(minimum: Logger.Level, _ receive: @escaping Subscriber) -> Int {
        subscribers.withLock { state in
            state.next += 1
            state.all[state.next] = (minimum, receive)
            return state.next
        }
    }

    /// Stops sending to the subscriber of `token`.
    public func unsubscribe(_ token: Int) {
        _ = subscribers.withLock { $0.all.removeValue(forKey: token) }
    }

    /// Hands a log line to each subscriber whose level it reaches:
    /// `{"event":"log","plugin":ID or "neko","level":L,"message":M}`.
    public func publishLine(level: Logger.Level, plugin: String, message: String) {
        let event: JSONObject = [
            "event": "log", "plugin": .string(plugin), "level": .string(level.rawValue), "message": .string(message),
        ]
        for receive in receivers(at: level) { receive(event) }
    }

    /// Hands a message a plugin emitted to every subscriber:
    /// `{"event":"message","plugin":ID,"topic":T,"payload":P}`.
    public func publishMessage(plugin: String, topic: String, payload: JSON) {
        let event: JSONObject = ["event": "message", "plugin": .string(plugin), "topic": .string(topic), "payload": payload]
        for receive in receivers(at: .critical) { receive(event) }
    }

    private func receivers(at level: Logger.Level) -> [Subscriber] {
        subscribers.withLock { state in state.all.values.filter { level >= $0.minimum }.map(\.receive) }
    }
}

/// A swift-log handler that hands a plugin's own lines, and the host's
/// warnings and errors, to a ``LogBroadcast``; beside `LogLines` in
/// `nekoctl serve`'s `MultiplexLogHandler`.
public struct LogBroadcastHandler: LogHandler {
    /// Lets info and above through (each subscriber chooses among them):
    /// a lower level would make every logger of the host do the work of its debug lines.
    public var logLevel: Logger.Level = .info
    /// Metadata added to every line.
    public var metadata: Logger.Metadata = [:]
    private let broadcast: LogBroadcast

    /// A handler publishing to `broadcast`.
    public init(broadcast: LogBroadcast) {
        self.broadcast = broadcast
    }

    /// One metadata value added to every line.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Publishes a plugin's own line (its source is its id), or a host line at warning and above.
    public func log(event: LogEvent) {
        guard let line = ForwardedLine(event, metadata: metadata) else { return }
        let message = line.about.map { "\($0): \(event.message)" } ?? event.message.description
        broadcast.publishLine(level: event.level, plugin: line.speaker, message: message)
    }
}
