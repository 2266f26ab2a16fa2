#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore
import NekoLoader

/// Where the control socket of `nekoctl serve` lives, and the POSIX plumbing
/// both ends of it share: addresses, whole writes, lines read with a bound.
public enum ControlSocket {
    /// The longest request or response line, in bytes (1 MiB), newline excluded.
    public static let maximumLineLength = 1 << 20

    /// The socket path: `explicit` (`--socket`), else `$NEKO_SOCKET`, else
    /// `$XDG_RUNTIME_DIR/neko/nekoctl.sock`, else `/tmp/neko-<uid>/nekoctl.sock`.
    /// Empty values count as unset.
    public static func path(explicit: String?, environment: [String: String]) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let socket = environment["NEKO_SOCKET"], !socket.isEmpty { return socket }
        if let runtime = environment["XDG_RUNTIME_DIR"], !runtime.isEmpty { return "\(runtime)/neko/nekoctl.sock" }
        return "/tmp/neko-\(getuid())/nekoctl.sock"
    }

    /// A `sockaddr_un` for `path`, or a message saying why `path` cannot be one.
    static func address(_ path: String) -> Result<sockaddr_un, ControlError> {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        let bytes = Array(path.utf8)
        guard !bytes.isEmpty, bytes.count < capacity else {
            return .failure(ControlError(
                "invalid_argument", "socket path '\(path)' is \(bytes.count) bytes; a Unix socket path must be 1 to \(capacity - 1) bytes",
                field: "socket"))
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return .success(address)
    }

    /// Connects a new stream socket to `path`. - Returns: the descriptor, or `errno`.
    static func connect(_ path: String) -> Result<Int32, ControlError> {
        let address: sockaddr_un
        switch Self.address(path) {
        case .success(let made): address = made
        case .failure(let error): return .failure(error)
        }
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return .failure(ControlError("unavailable", "cannot make a socket: \(errnoText())")) }
        var target = address
        let status = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard status == 0 else {
            let reason = errnoText()
            close(descriptor)
            return .failure(ControlError("unavailable", "cannot connect to \(path): \(reason)"))
        }
        return .success(descriptor)
    }

    /// Writes all of `bytes` (never raising SIGPIPE). - Returns: false when the peer is gone.
    static func writeAll(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { raw in
            var done = 0
            while done < raw.count {
                let written = send(descriptor, raw.baseAddress! + done, raw.count - done, Int32(MSG_NOSIGNAL))
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return false }
                done += written
            }
            return true
        }
    }

}

/// Reads newline-delimited lines from a socket, at most
/// `ControlSocket.maximumLineLength` bytes each.
struct LineReader {
    /// What `next` found.
    enum Outcome {
        /// A whole line, without its newline.
        case line([UInt8])
        /// More than the limit arrived without a newline.
        case tooLong
        /// The peer closed the connection (or it failed).
        case closed
        /// The deadline passed first.
        case timedOut
        /// The wake descriptor became readable first.
        case woken
    }

    let descriptor: Int32
    private var buffer: [UInt8] = []
    private var scanned = 0

    init(descriptor: Int32) {
        self.descriptor = descriptor
    }

    /// The next line; waits at most until `deadline` (forever when nil), and
    /// returns `.woken` when `wake` becomes readable.
    mutating func next(deadline: ContinuousClock.Instant? = nil, wake: Int32? = nil) -> Outcome {
        let limit = ControlSocket.maximumLineLength
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            if let newline = buffer[scanned...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = Array(buffer[..<newline])
                buffer.removeSubrange(...newline)
                scanned = 0
                return line.count > limit ? .tooLong : .line(line)
            }
            scanned = buffer.count
            if buffer.count > limit { return .tooLong }
            var waits = [pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)]
            if let wake { waits.append(pollfd(fd: wake, events: Int16(POLLIN), revents: 0)) }
            var milliseconds: Int32 = -1
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return .timedOut }
                milliseconds = Int32(clamping: left.wholeMillisecondsRoundedUp)
            }
            let ready = poll(&waits, nfds_t(waits.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                return .closed
            }
            if ready == 0 { continue }
            if waits.count > 1, waits[1].revents != 0 { return .woken }
            let count = chunk.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
            if count < 0 && (errno == EINTR || errno == EAGAIN) { continue }
            guard count > 0 else { return .closed }
            buffer.append(contentsOf: chunk[0..<count])
        }
    }
}

extension Duration {
    /// Whole milliseconds, rounded up (so a poll never wakes early).
    var wholeMillisecondsRoundedUp: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
    }
}

/// The credentials of a socket's peer, as `SO_PEERCRED` reports them.
public struct PeerCredentials: Sendable, Equatable {
    /// The peer's process id.
    public let pid: Int32
    /// The peer's user id.
    public let uid: UInt32
    /// The peer's group id.
    public let gid: UInt32

    /// Makes credentials, eg to test `ControlServer.peerRefusal(_:ownerUID:)`.
    public init(pid: Int32, uid: UInt32, gid: UInt32) {
        self.pid = pid
        self.uid = uid
        self.gid = gid
    }

    /// The credentials of the peer of connected socket `descriptor`, or nil.
    public static func of(_ descriptor: Int32) -> PeerCredentials? {
        // struct ucred { pid_t pid; uid_t uid; gid_t gid; }, which Glibc's module does not export.
        var fields: (Int32, UInt32, UInt32) = (0, 0, 0)
        var length = socklen_t(MemoryLayout<(Int32, UInt32, UInt32)>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_PEERCRED, &fields, &length) == 0,
            Int(length) == MemoryLayout<(Int32, UInt32, UInt32)>.size
        else { return nil }
        return PeerCredentials(pid: fields.0, uid: fields.1, gid: fields.2)
    }
}

/// An error of the control protocol: a `CallError`'s code name (eg
/// `not_found`), or `bad_request` for a request the server cannot read.
///
/// Not a `CallError`: it is what crosses the socket, whose codes are strings
/// (`bad_request` is no call's code, and a client must read codes a newer
/// server adds), and it also reports the server's own failures (its socket,
/// its folder). A call's failure becomes one through ``init(_:)``, fields intact.
public struct ControlError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The code: an `ErrorCode` name or `bad_request`.
    public let code: String
    /// What failed and why, naming the op, plugin or field.
    public let message: String
    /// The request field (or call argument) at fault, if one was.
    public let field: String?

    /// Makes an error, eg `ControlError("bad_request", "op 'call' needs 'plugin' (a string)", field: "plugin")`.
    public init(_ code: String, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The error of a failed call, with its code's name.
    public init(_ error: CallError) {
        self.init(error.code.name, error.message, field: error.field)
    }

    /// A request the server could not read.
    static func badRequest(_ message: String, field: String? = nil) -> ControlError {
        ControlError("bad_request", message, field: field)
    }

    /// `code: message`, and the field if there is one, as nekoctl prints it after `error: `.
    public var description: String {
        "\(code): \(message)\(field.map { " (field: \($0))" } ?? "")"
    }
}
