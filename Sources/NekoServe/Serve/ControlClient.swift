#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore
import NekoLoader

/// A connection to the control socket of `nekoctl serve`: sends a request,
/// waits (bounded) for its response.
///
/// ```swift
/// let client = try ControlClient(path: "/tmp/neko-1000/nekoctl.sock")
/// let greeting = try client.request("call", ["plugin": "hello", "entry": "greet", "args": ["name": "Ada"]]).get()
/// ```
///
/// One client is one connection, used by one thread at a time; requests on
/// it are answered in order.
public final class ControlClient {
    /// The socket's path.
    public let path: String
    private var reader: LineReader
    private var nextID: Int64 = 1

    /// Why a request got no response: the transport failed, not the op.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        /// What went wrong, naming the socket path.
        public let message: String
        /// `message`.
        public var description: String { message }
    }

    /// Connects to the socket at `path`.
    /// - Throws: a `Failure` naming the path and the reason (eg nobody listens).
    public init(path: String) throws(Failure) {
        self.path = path
        switch ControlSocket.connect(path) {
        case .success(let descriptor): reader = LineReader(descriptor: descriptor)
        case .failure(let error): throw Failure(message: error.message)
        }
    }

    deinit {
        close(reader.descriptor)
    }

    /// Sends op `op` with `fields` and waits at most `timeout` for the answer.
    /// - Returns: the result, or the server's error (`bad_request`, `not_found`, ...).
    /// - Throws: a `Failure` when the connection fails, closes or times out.
    /// - Parameter event: receives the event lines the server sends before
    ///   the response (eg `{"event":"progress","done":1,"total":3,...}` for a
    ///   `call` with `"progress": true`).
    public func request(
        _ op: String, _ fields: JSONObject = [:], timeout: Duration = .seconds(30), event: ((JSON) -> Void)? = nil
    ) throws(Failure) -> Result<JSON, ControlError> {
        var object = fields
        let id = nextID
        nextID += 1
        object["id"] = .int(id)
        object["op"] = .string(op)
        try send(JSON.object(object).serialized() + [UInt8(ascii: "\n")])
        let deadline = ContinuousClock.now + timeout
        var response = try receive(timeout: deadline - .now)
        while response["event"] != nil && response["ok"] == nil {
            event?(response)
            response = try receive(timeout: deadline - .now)
        }
        guard response["id"] == .int(id) else {
            throw Failure(message: "\(path) answered op '\(op)' with id \(response["id"] ?? .null), expected \(id)")
        }
        return Self.outcome(of: response)
    }

    /// Sends raw bytes, eg a request line of your own (end it with a newline).
    /// - Throws: a `Failure` when the peer has gone.
    public func send(_ bytes: [UInt8]) throws(Failure) {
        guard ControlSocket.writeAll(reader.descriptor, bytes) else {
            throw Failure(message: "cannot send to \(path): \(errnoText())")
        }
    }

    /// Reads the next response line and parses it.
    /// - Throws: a `Failure` when the server closes the connection, sends
    ///   something that is not a JSON object, or does not answer within `timeout`.
    public func receive(timeout: Duration = .seconds(30)) throws(Failure) -> JSON {
        switch reader.next(deadline: ContinuousClock.now + timeout) {
        case .line(let line):
            guard let value = try? JSON.parse(line), case .object = value else {
                throw Failure(message: "\(path) sent a response that is not a JSON object: \(String(decoding: line.prefix(200), as: UTF8.self))")
            }
            return value
        case .tooLong: throw Failure(message: "\(path) sent a response longer than \(ControlSocket.maximumLineLength) bytes")
        case .closed, .woken: throw Failure(message: "\(path) closed the connection before answering")
        case .timedOut: throw Failure(message: "\(path) did not answer within \(timeout)")
        }
    }

    /// The result or the error of a response object.
    public static func outcome(of response: JSON) -> Result<JSON, ControlError> {
        if response["ok"] == true { return .success(response["result"] ?? .null) }
        let error = response["error"] ?? .null
        return .failure(ControlError(
            error["code"]?.stringValue ?? "internal", error["message"]?.stringValue ?? "the server sent an error without a message: \(response)",
            field: error["field"]?.stringValue))
    }

    /// The `ping` result of the server at `path`, or nil when none answers within `timeout`.
    public static func ping(_ path: String, timeout: Duration = .seconds(2)) -> JSON? {
        guard let client = try? ControlClient(path: path), case .success(let pong)? = try? client.request("ping", timeout: timeout) else { return nil }
        return pong
    }
}
