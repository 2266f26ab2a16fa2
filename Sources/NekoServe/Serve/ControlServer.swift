#if canImport(Glibc)
import Glibc
#endif
import Logging
@_spi(Neko) import NekoCore
import Synchronization
import NekoLoader

/// A Unix domain socket server around a `PluginHost`: the control socket of
/// `nekoctl serve`. Newline-delimited JSON, one request per line, one
/// response per line, in order (see docs/SERVE.md).
///
/// ```swift
/// let server = ControlServer(host: host, path: "/run/user/1000/neko/nekoctl.sock")
/// try server.start()
/// // ... until asked to stop:
/// server.stop(drainingAtMost: .seconds(5))
/// host.shutdown()
/// server.removeSocketFile()
/// ```
///
/// The socket's folder is made with mode 0700 when missing, the socket file
/// gets mode 0600, and a peer whose uid is not ours is refused. Each
/// connection has a thread (at most `maximumConnections` at once).
public final class ControlServer: Sendable {
    /// The host the requests act on.
    public let host: PluginHost
    /// The socket file's path.
    public let path: String
    /// How many connections are served at once; more are refused with an error line.
    public let maximumConnections: Int
    /// The log lines and messages a `watch` request with `"logs": true` streams; nil: none.
    public let logs: LogBroadcast?

    let logger: Logger
    let ownerUID = getuid()
    let state = Mutex(State())
    /// Signaled when a request, a connection or the accepting thread ends, for `stop`.
    let settled = LockAndCondition()
    let counters = Mutex([String: PluginCounters]())
    /// The calls in flight that a `cancel` request may cancel, by their `cancel_key`.
    let cancelable = Mutex([String: @Sendable () -> Void]())

    struct State {
        var listening: Int32 = -1
        /// Written once by `stop`, never read: makes every poll of the server return.
        var wakeRead: Int32 = -1
        var wakeWrite: Int32 = -1
        /// The socket file's inode, so that `removeSocketFile` never removes another server's.
        var socketInode: UInt = 0
        var acceptorRunning = false
        var connections = 0
        var inFlight = 0
        var stopping = false
    }

    /// What the server counts per plugin, for `status`.
    struct PluginCounters {
        var served = 0
        var failed = 0
        var inFlight = 0
        var lastError: ControlError?
    }

    /// Makes a server for `host` at `path`; nothing happens until `start()`.
    /// `logs`, when given, is what a `watch` request with `"logs": true` streams.
    public init(host: PluginHost, path: String, maximumConnections: Int = 64, logger: Logger? = nil, logs: LogBroadcast? = nil) {
        self.host = host
        self.logs = logs
        self.path = path
        self.maximumConnections = maximumConnections
        self.logger = logger ?? host.logger
    }

    // MARK: - Starting and stopping

    /// Makes the socket's folder (0700) if needed, replaces a stale socket
    /// file, binds, sets the file's mode to 0600, listens, and starts
    /// accepting on a thread of its own.
    /// - Throws: a `ControlError` naming the path: another server is
    ///   listening there, the path is not a socket, or a system call failed.
    public func start() throws(ControlError) {
        let address: sockaddr_un
        switch ControlSocket.address(path) {
        case .success(let made): address = made
        case .failure(let error): throw error
        }
        try prepareFolder()
        try removeStaleSocket()
        let listening = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listening >= 0 else { throw failure("cannot make a socket") }
        var target = address
        let bound = withUnsafePointer(to: &target) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listening, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0 else {
            let error = failure("cannot bind the control socket")
            close(listening)
            throw error
        }
        var info = stat()
        guard chmod(path, 0o600) == 0, stat(path, &info) == 0, listen(listening, 64) == 0 else {
            let error = failure("cannot set up the control socket")
            close(listening)
            unlink(path)
            throw error
        }
        guard let (wakeRead, wakeWrite) = Posix.wakePipe() else {
            let error = failure("cannot make the wake pipe")
            close(listening)
            unlink(path)
            throw error
        }
        state.withLock { state in
            state.listening = listening
            state.wakeRead = wakeRead
            state.wakeWrite = wakeWrite
            state.socketInode = UInt(info.st_ino)
            state.acceptorRunning = true
        }
        guard DetachedThread.start({ self.acceptLoop(listening: listening, wake: wakeRead) }) else {
            state.withLock { $0.acceptorRunning = false }
            _ = stop(drainingAtMost: .zero)
            removeSocketFile()
            throw ControlError("unavailable", "cannot start the accepting thread for \(path)")
        }
        logger.info("control socket listening at \(path)")
    }

    /// Stops accepting, lets the requests in progress finish (at most
    /// `limit`), and closes idle connections. Requests that arrive afterwards
    /// get `unavailable`. Does not shut the host down and leaves the socket
    /// file: call `host.shutdown()`, then `removeSocketFile()`.
    /// - Returns: false when requests were still in progress after `limit`.
    @discardableResult
    public func stop(drainingAtMost limit: Duration) -> Bool {
        let wake = state.withLock { state -> Int32 in
            state.stopping = true
            return state.wakeWrite
        }
        if wake >= 0 {
            var byte: UInt8 = 1
            _ = write(wake, &byte, 1)
        }
        let idle = settled.wait(until: ContinuousClock.now + limit) {
            state.withLock { !($0.inFlight > 0 || $0.acceptorRunning || $0.connections > 0) }
        }
        if idle { return true }
        let left = state.withLock { $0.inFlight }
        logger.warning("\(left) requests were still in progress on \(path) after \(limit)")
        return left == 0
    }

    /// Removes the socket file, if it is still the one this server bound.
    public func removeSocketFile() {
        let inode = state.withLock { $0.socketInode }
        var info = stat()
        guard inode != 0, lstat(path, &info) == 0, UInt(info.st_ino) == inode else { return }
        unlink(path)
    }

    /// Why a peer may not use the socket, or nil when it may: a peer whose
    /// credentials are unknown, or whose uid is not `ownerUID`, is refused.
    public static func peerRefusal(_ peer: PeerCredentials?, ownerUID: UInt32) -> String? {
        guard let peer else { return "the peer's credentials (SO_PEERCRED) are unknown" }
        guard peer.uid == ownerUID else {
            return "uid \(peer.uid) (pid \(peer.pid)) may not use this socket: it belongs to uid \(ownerUID)"
        }
        return nil
    }

    // MARK: - Internal

    private func failure(_ what: String) -> ControlError {
        ControlError("unavailable", "\(what) at \(path): \(errnoText())")
    }

    private func prepareFolder() throws(ControlError) {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return }
        let folder = String(path[..<slash])
        var info = stat()
        if stat(folder, &info) != 0 {
            var prefix = folder.hasPrefix("/") ? "" : "."
            for part in folder.split(separator: "/") {
                prefix += "/\(part)"
                if mkdir(prefix, 0o700) != 0 && errno != EEXIST {
                    throw ControlError("unavailable", "cannot make the socket's folder \(prefix): \(errnoText())")
                }
            }
            guard stat(folder, &info) == 0 else { throw failure("cannot make the socket's folder") }
            chmod(folder, 0o700)
            return
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw ControlError("invalid_argument", "the socket's folder \(folder) is not a folder", field: "socket")
        }
        guard info.st_uid == ownerUID || info.st_uid == 0 else {
            throw ControlError("unavailable", "the socket's folder \(folder) belongs to uid \(info.st_uid), not to us (uid \(ownerUID)): refusing to serve there")
        }
    }

    private func removeStaleSocket() throws(ControlError) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        guard info.st_mode & S_IFMT == S_IFSOCK else {
            throw ControlError("invalid_argument", "\(path) exists and is not a socket: refusing to replace it", field: "socket")
        }
        if case .success(let descriptor) = ControlSocket.connect(path) {
            close(descriptor)
            throw ControlError("unavailable", "another nekoctl serve is running at \(path)")
        }
        guard unlink(path) == 0 else { throw failure("cannot remove the stale socket file") }
        logger.info("replaced the stale socket file \(path)")
    }

    private func acceptLoop(listening: Int32, wake: Int32) {
        defer {
            close(listening)
            state.withLock { $0.acceptorRunning = false }
            settled.notifyAll()
        }
        while true {
            var waits = [pollfd(fd: listening, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&waits, 2, -1)
            if ready < 0 && errno == EINTR { continue }
            if ready < 0 || waits[1].revents != 0 || state.withLock({ $0.stopping }) { return }
            let connection = accept(listening, nil, nil)
            if connection < 0 { continue }
            _ = fcntl(connection, F_SETFD, FD_CLOEXEC)
            admit(connection, wake: wake)
        }
    }

    private func admit(_ connection: Int32, wake: Int32) {
        if let refusal = Self.peerRefusal(PeerCredentials.of(connection), ownerUID: ownerUID) {
            logger.warning("refused a connection to \(path): \(refusal)")
            refuse(connection, ControlError("unavailable", "refused: \(refusal)"))
            return
        }
        let admitted = state.withLock { state -> Bool in
            guard state.connections < maximumConnections, !state.stopping else { return false }
            state.connections += 1
            return true
        }
        guard admitted else {
            refuse(connection, ControlError("unavailable", "too many connections to \(path) (at most \(maximumConnections)), or it is shutting down: try again"))
            return
        }
        let started = DetachedThread.start {
            defer {
                close(connection)
                self.state.withLock { $0.connections -= 1 }
                self.settled.notifyAll()
            }
            self.serve(connection, wake: wake)
        }
        if !started {
            state.withLock { $0.connections -= 1 }
            refuse(connection, ControlError("unavailable", "cannot start a thread for a connection to \(path)"))
        }
    }

    private func refuse(_ connection: Int32, _ error: ControlError) {
        _ = ControlSocket.writeAll(connection, Self.response(id: .null, .failure(error)))
        close(connection)
    }

    /// Serves one connection's requests, in order, until it closes.
    private func serve(_ connection: Int32, wake: Int32) {
        var reader = LineReader(descriptor: connection)
        while true {
            switch reader.next(wake: wake) {
            case .line(let line):
                if line.allSatisfy({ $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }) { continue }
                let admitted = state.withLock { state -> Bool in
                    guard !state.stopping else { return false }
                    state.inFlight += 1
                    return true
                }
                guard admitted else {
                    let id = (try? JSON.parse(line))?["id"] ?? .null
                    _ = ControlSocket.writeAll(connection, Self.response(id: id, .failure(ControlError("unavailable", "nekoctl serve at \(path) is shutting down"))))
                    return
                }
                // Event lines (a call's progress) and the response share the
                // connection: one writer, so lines never interleave.
                let lines = ConnectionLines(connection)
                let reply = handle(line, events: lines)
                let written = lines.finish(with: reply)
                state.withLock { $0.inFlight -= 1 }
                settled.notifyAll()
                // When stopping, lines already received get `unavailable`, then the wake pipe ends the loop.
                if !written { return }
            case .tooLong:
                let error = ControlError.badRequest("request line longer than \(ControlSocket.maximumLineLength) bytes; closing the connection")
                _ = ControlSocket.writeAll(connection, Self.response(id: .null, .failure(error)))
                return
            case .closed, .timedOut, .woken:
                return
            }
        }
    }

    /// One response line: `{"id":..,"ok":true,"result":..}` or `{"id":..,"ok":false,"error":{..}}`, with its newline.
    static func response(id: JSON, _ outcome: Result<JSON, ControlError>) -> [UInt8] {
        let object: JSON
        switch outcome {
        case .success(let result):
            object = ["id": id, "ok": true, "result": result]
        case .failure(let error):
            object = ["id": id, "ok": false, "error": [
                "code": .string(error.code), "message": .string(error.message), "field": error.field.map { .string($0) } ?? .null,
            ]]
        }
        return object.serialized() + [UInt8(ascii: "\n")]
    }
}
