#if canImport(Glibc)
import Glibc
#endif
import Logging
@_spi(Neko) import NekoCore
import NekoServe
import Synchronization

/// The plugins of a running `nekoctl serve`, through its control socket
/// (docs/SERVE.md): calls, reloads and state are the server's. Each call in
/// flight has a connection of its own (kept for the next call); changes
/// come from a `watch` request on one more.
///
/// Each call carries a `cancel_key`; a canceled call stops being waited for
/// and a `cancel` request (on a connection of its own) cancels it in the
/// server, as any caller's cancel.
public final class SocketToolSource: ToolSource {
    /// The socket's path.
    public let path: String
    private let idle = Mutex<[Connection]>([])
    private let stopped = Atomic<Bool>(false)
    private let calls = Atomic<Int>(0)
    private let logSink: MCPLogSink?
    private let ended: (@Sendable (String) -> Void)?

    /// One connection, handed between threads; used by one at a time.
    struct Connection: @unchecked Sendable {
        let client: ControlClient
    }

    /// A source for the server at `path`. `logSink`, when given, receives
    /// the server's log lines and emitted messages (the `watch` request asks
    /// for every level it streams: the MCP client's `logging/setLevel` chooses).
    /// `ended`, when given, is called with a reason when the `watch` stream
    /// ends before ``stop()`` (the server has gone).
    /// - Throws: a `ControlError` (`unavailable`) when nobody answers there.
    public init(path: String, logSink: MCPLogSink? = nil, ended: (@Sendable (String) -> Void)? = nil) throws(ControlError) {
        self.path = path
        self.logSink = logSink
        self.ended = ended
        let connection = try Self.connect(path)
        idle.withLock { $0.append(connection) }
    }

    /// "the nekoctl serve at PATH".
    public var summary: String { "the nekoctl serve at \(path)" }

    /// `list`, then `info` of each plugin.
    public func plugins() throws(ControlError) -> [JSON] {
        let connection = try take()
        var plugins: [JSON] = []
        let listed = try request(connection, "list")
        for plugin in listed.arrayValue ?? [] {
            guard let id = plugin["id"]?.stringValue else { continue }
            // A plugin's `info` fails when it went away meanwhile: it has no tools then.
            if let info = try? request(connection, "info", ["plugin": .string(id)]) { plugins.append(info) }
        }
        give(connection)
        return plugins
    }

    /// The `call` op, on a thread of its own, with progress events when asked.
    public func call(
        plugin: String, entry: String, arguments: JSONObject, progress: (@Sendable (CallProgress) -> Void)?
    ) async -> Result<JSON, ControlError> {
        let connection: Connection
        do { connection = try take() } catch { return .failure(error) }
        let key = "nekoctl-mcp-\(getpid())-\(calls.add(1, ordering: .relaxed).newValue)"
        var fields: JSONObject = [
            "plugin": .string(plugin), "entry": .string(entry), "args": .object(arguments), "cancel_key": .string(key),
        ]
        if progress != nil { fields["progress"] = true }
        let request = fields
        let answer = OnceAnswer()
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Result<JSON, ControlError>, Never>) in
                answer.set(continuation)
                let started = DetachedThread.start {
                    let outcome: Result<JSON, ControlError>
                    var answered = true
                    do {
                        // The server bounds the call by its deadline; this bounds only a server that hangs.
                        outcome = try connection.client.request("call", request, timeout: .seconds(86_400)) { event in
                            guard event["event"] == "progress", let progress else { return }
                            progress(CallProgress(
                                done: event["done"]?.doubleValue ?? 0, total: event["total"]?.doubleValue,
                                message: event["message"]?.stringValue ?? ""))
                        }
                    } catch {
                        answered = false
                        outcome = .failure(ControlError("unavailable", "the nekoctl serve at \(self.path) did not answer: \(error)"))
                    }
                    _ = answer.resume(outcome)
                    // A connection that failed is dropped; one that answered (even a canceled call) serves again.
                    if answered { self.give(connection) }
                }
                if !started {
                    _ = answer.resume(.failure(ControlError("unavailable", "cannot start a thread for a call to \(self.path)")))
                }
            }
        } onCancel: {
            _ = answer.resume(.failure(ControlError("canceled", "the MCP client canceled the call of \(plugin):\(entry)")))
            let path = self.path
            _ = DetachedThread.start {
                // On a connection of its own: the call's is busy waiting for the answer.
                if let canceler = try? Self.connect(path) { _ = try? canceler.client.request("cancel", ["key": .string(key)], timeout: .seconds(10)) }
            }
        }
    }

    /// A `watch` request on a connection of its own (with the log lines when
    /// there is a log sink), read on a thread; calls `ended` when it ends
    /// before ``stop()``.
    public func watchChanges(_ changed: @escaping @Sendable () -> Void) {
        let path = self.path
        _ = DetachedThread.start { [self] in
            let reason: String
            if let connection = try? Self.connect(path) {
                reason = self.readWatch(connection, changed)
            } else {
                reason = "cannot connect to \(path)"
            }
            if !self.stopped.load(ordering: .acquiring) { self.ended?(reason) }
        }
    }

    /// Reads the `watch` stream on `connection` until it ends. - Returns: why it ended.
    private func readWatch(_ connection: Connection, _ changed: @Sendable () -> Void) -> String {
        var request: JSONObject = ["id": "watch", "op": "watch"]
        if logSink != nil {
            request["logs"] = true
            request["level"] = "debug"
        }
        do {
            try connection.client.send(JSON.object(request).serialized() + [UInt8(ascii: "\n")])
            while !stopped.load(ordering: .acquiring) {
                let line = try connection.client.receive(timeout: .seconds(86_400))
                switch line["event"]?.stringValue {
                case "changed": changed()
                case "log": forwardLog(line)
                case "message":
                    logSink?.forward(.info, line["plugin"]?.stringValue ?? "neko", [
                        "topic": line["topic"] ?? .null, "payload": line["payload"] ?? .null,
                    ])
                default: break
                }
                if line["ok"] != nil { return "the watch request at \(path) was answered: \(line)" }
            }
            return "stopped"
        } catch {
            return "the connection to \(path) ended: \(error)"
        }
    }

    /// Hands a `{"event":"log"}` line to the log sink.
    private func forwardLog(_ line: JSON) {
        guard let logSink, let name = line["level"]?.stringValue, let level = Logger.Level(rawValue: name) else { return }
        logSink.forward(MCPLogForwarder.level(level), line["plugin"]?.stringValue ?? "neko", [
            "message": line["message"] ?? .null,
        ])
    }

    /// Stops watching, closes the idle connections.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        idle.withLock { $0.removeAll() }
    }

    private static func connect(_ path: String) throws(ControlError) -> Connection {
        do { return Connection(client: try ControlClient(path: path)) } catch {
            throw ControlError("unavailable", error.message)
        }
    }

    private func take() throws(ControlError) -> Connection {
        if let connection = idle.withLock({ $0.popLast() }) { return connection }
        return try Self.connect(path)
    }

    private func give(_ connection: Connection) {
        guard !stopped.load(ordering: .acquiring) else { return }
        idle.withLock { $0.append(connection) }
    }

    private func request(_ connection: Connection, _ op: String, _ fields: JSONObject = [:]) throws(ControlError) -> JSON {
        let outcome: Result<JSON, ControlError>
        do { outcome = try connection.client.request(op, fields, timeout: .seconds(60)) } catch {
            throw ControlError("unavailable", "op '\(op)' at \(path): \(error.message)")
        }
        return try outcome.get()
    }
}

/// A continuation resumed once, by whichever comes first: the answer or the cancellation.
final class OnceAnswer: Sendable {
    private let state = Mutex<(continuation: CheckedContinuation<Result<JSON, ControlError>, Never>?, done: Bool, early: Result<JSON, ControlError>?)>(
        (nil, false, nil))

    /// Stores the continuation; resumes it at once when an outcome came first.
    func set(_ continuation: CheckedContinuation<Result<JSON, ControlError>, Never>) {
        let early = state.withLock { state -> Result<JSON, ControlError>? in
            if let early = state.early { return early }
            state.continuation = continuation
            return nil
        }
        if let early { continuation.resume(returning: early) }
    }

    /// Resumes with `outcome` unless already done. - Returns: whether this call resumed it.
    func resume(_ outcome: Result<JSON, ControlError>) -> Bool {
        let continuation = state.withLock { state -> CheckedContinuation<Result<JSON, ControlError>, Never>?? in
            guard !state.done else { return .none }
            state.done = true
            if let continuation = state.continuation { return .some(continuation) }
            state.early = outcome
            return .some(nil)
        }
        guard case .some(let waiting) = continuation else { return false }
        waiting?.resume(returning: outcome)
        return true
    }
}
