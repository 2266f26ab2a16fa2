#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for tests: canned answers per path,
/// a count of the requests each path got, and paths that fail a few times
/// before they work.
///
/// It binds an ephemeral port on the loopback address only, serves one
/// connection at a time on a thread of its own, and answers every request
/// with `Content-Length` and `Connection: close`. It reads the request line
/// and the headers and discards any body. Every test stops the server it
/// starts; as a backstop it also stops by itself after `limits.lifetime` or
/// `limits.requests` requests, and when it is deinitialized.
///
/// ```swift
/// let server = try LoopbackHTTPServer(routes: [
///     "/hello": .always(.text("hi")),
///     "/flaky": .failing(first: 2, then: .json(#"{"data":42}"#)),   // 503, 503, then 200
/// ])
/// defer { server.stop() }
/// let response = try await LoopbackHTTPClient.get(server.url("/flaky"))
/// #expect(server.requestCount(for: "/flaky") == 1)
/// ```
///
/// [thread-safe]: every method may be called from any thread or task.
public final class LoopbackHTTPServer: Sendable {
    /// What the server answers to one request.
    public struct Response: Sendable, Equatable {
        /// The status code, eg `200`.
        public var status: Int
        /// The `Content-Type` header, eg `"application/json"`.
        public var contentType: String
        /// The body, sent as is with its `Content-Length`.
        public var body: [UInt8]

        public init(status: Int, contentType: String = "text/plain; charset=utf-8", body: [UInt8] = []) {
            self.status = status
            self.contentType = contentType
            self.body = body
        }

        /// A UTF-8 text body, eg `.text("hi")` or `.text("no", status: 403)`.
        public static func text(_ text: String, status: Int = 200) -> Response {
            Response(status: status, body: Array(text.utf8))
        }

        /// A JSON body given as its text, eg `.json(#"{"data":42}"#)`.
        public static func json(_ json: String, status: Int = 200) -> Response {
            Response(status: status, contentType: "application/json", body: Array(json.utf8))
        }

        /// Just a status, with its reason phrase as the body, eg `.status(503)`.
        public static func status(_ status: Int) -> Response {
            .text(LoopbackHTTPServer.reason(status), status: status)
        }
    }

    /// How the server answers the requests to one path.
    public enum Route: Sendable, Equatable {
        /// The same response to every request.
        case always(Response)
        /// `503 Service Unavailable` to the first `first` requests, then `then`
        /// to every request after. The count starts when the route is set.
        case failing(first: Int, then: Response)
    }

    /// Bounds on one server, so that a test that forgets to stop it cannot
    /// leave it running.
    public struct Limits: Sendable {
        /// The defaults below.
        public init() {}

        /// After this long the server stops by itself, eg `.seconds(60)`.
        public var lifetime: Duration = .seconds(60)
        /// After this many requests the server stops by itself, eg `1000`.
        public var requests: Int = 1000
        /// How long it waits for a client to send its request (or take the
        /// answer) before it drops the connection, eg `.seconds(5)`.
        public var ioTimeout: Duration = .seconds(5)
        /// The largest request head (request line and headers) it reads, in bytes;
        /// a larger one gets `431`.
        public var headBytes: Int = 64 * 1024
    }

    /// The port the server listens on (on 127.0.0.1), eg `41237`.
    public let port: UInt16

    private let core: Core

    /// Starts a server on 127.0.0.1 at an ephemeral port, answering `routes`
    /// (path to route; any other path gets `404`).
    ///
    /// - Throws: a `LoopbackHTTPError` if the socket cannot be opened, bound
    ///   or listened on, or the thread cannot start.
    public init(routes: [String: Route] = [:], limits: Limits = Limits()) throws {
        core = try Core(routes: routes, limits: limits)
        port = core.port
        try core.start()
    }

    deinit {
        core.stop()
    }

    /// The server's address with `path`, eg `url("/flaky")` is
    /// `"http://127.0.0.1:41237/flaky"`.
    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path.hasPrefix("/") ? path : "/" + path)"
    }

    /// Answers requests to `path` as `route` says, from now on, in place of
    /// any route it had. A `.failing` route counts its failures from here.
    public func serve(_ path: String, _ route: Route) {
        core.state.withLock {
            $0.routes[path] = route
            $0.routeHits[path] = 0
        }
    }

    /// How many requests `path` got since the server started (the query
    /// string is not part of the path), eg `3`.
    public func requestCount(for path: String) -> Int {
        core.state.withLock { $0.requests[path, default: 0] }
    }

    /// How many requests the server got in all, to any path.
    public var totalRequestCount: Int {
        core.state.withLock { $0.requests.values.reduce(0, +) }
    }

    /// Stops serving and closes the socket; returns when the server's thread
    /// has ended. Calling it again does nothing.
    public func stop() {
        core.stop()
    }

    /// The reason phrase of `status`, eg `"Service Unavailable"` for 503.
    static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 201: "Created"
        case 204: "No Content"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 502: "Bad Gateway"
        case 503: "Service Unavailable"
        case 504: "Gateway Timeout"
        default: "Status \(status)"
        }
    }
}

/// A socket call of the loopback server or client failed.
public struct LoopbackHTTPError: Error, CustomStringConvertible {
    /// What failed and why, eg `"connect to 127.0.0.1:41237: Connection refused"`.
    var message: String

    init(_ message: String) { self.message = message }

    /// `what` failed with the current `errno`.
    static func posix(_ what: String) -> LoopbackHTTPError {
        LoopbackHTTPError("\(what): \(String(cString: strerror(errno)))")
    }

    public var description: String { message }
}

// MARK: - The server's thread

extension LoopbackHTTPServer {
    /// The socket, the state and the thread, apart from the server object so
    /// that the thread does not keep the server alive (its `deinit` stops it).
    private final class Core: Sendable {
        struct State {
            var routes: [String: Route]
            /// Requests per path since the route was set, for `.failing`.
            var routeHits: [String: Int] = [:]
            /// Requests per path since the server started.
            var requests: [String: Int] = [:]
            var thread: pthread_t?
            var stopped = false
        }

        let port: UInt16
        let limits: Limits
        let state: Mutex<State>
        private let listener: Int32
        /// Written by `stop` to wake the thread out of `poll`.
        private let wakeRead: Int32
        private let wakeWrite: Int32

        init(routes: [String: Route], limits: Limits) throws {
            let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard listener >= 0 else { throw LoopbackHTTPError.posix("socket") }
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = 0   // any free port; getsockname says which
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian   // 127.0.0.1, never another interface
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                    bind(listener, address, length) == 0 && getsockname(listener, address, &length) == 0
                }
            }
            var pipeEnds: [Int32] = [-1, -1]
            guard bound, listen(listener, 128) == 0, pipe(&pipeEnds) == 0 else {
                let error = LoopbackHTTPError.posix("listen on 127.0.0.1")
                close(listener)
                throw error
            }
            LoopbackSocket.closeOnExec(pipeEnds[0])
            LoopbackSocket.closeOnExec(pipeEnds[1])
            self.listener = listener
            wakeRead = pipeEnds[0]
            wakeWrite = pipeEnds[1]
            port = UInt16(bigEndian: address.sin_port)
            self.limits = limits
            state = Mutex(State(routes: routes))
        }

        /// Runs once the server and its thread are done with the core: the
        /// thread holds it while it runs.
        deinit {
            close(wakeRead)
            close(wakeWrite)
        }

        /// Starts the thread, which closes the listening socket when it ends;
        /// if it cannot start, closes the socket here.
        func start() throws {
            do {
                let thread = try LoopbackThread.start { [self] in serve() }
                state.withLock { $0.thread = thread }
            } catch {
                close(listener)
                throw error
            }
        }

        func stop() {
            let thread: pthread_t? = state.withLock { state in
                state.stopped = true
                defer { state.thread = nil }
                return state.thread
            }
            guard let thread else { return }
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
            pthread_join(thread, nil)
        }

        /// The thread's loop: accept, answer, close, until stopped or past a
        /// limit; then closes the listening socket, so that later connections
        /// are refused at once.
        private func serve() {
            defer { close(listener) }
            let deadline = ContinuousClock.now + limits.lifetime
            var served = 0
            while served < limits.requests, !state.withLock({ $0.stopped }) {
                let left = ContinuousClock.now.duration(to: deadline)
                guard left > .zero else { return }
                var waits = [
                    pollfd(fd: listener, events: Int16(POLLIN), revents: 0),
                    pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0),
                ]
                let ready = poll(&waits, 2, Int32(clamping: left.wholeMilliseconds + 1))
                if ready < 0, errno == EINTR { continue }
                guard ready > 0, waits[1].revents == 0 else { return }   // error or woken by stop()
                guard waits[0].revents & Int16(POLLIN) != 0 else { continue }
                let client = accept(listener, nil, nil)
                guard client >= 0 else { continue }
                LoopbackSocket.closeOnExec(client)
                answer(client)
                close(client)
                served += 1
            }
        }

        /// Reads one request from `client` and writes the answer.
        private func answer(_ client: Int32) {
            LoopbackSocket.setTimeout(client, limits.ioTimeout)
            guard let head = LoopbackSocket.readHead(client, limit: limits.headBytes) else {
                LoopbackSocket.sendAll(client, Self.encode(.status(431)))
                return
            }
            guard let request = Request(head.text) else {
                LoopbackSocket.sendAll(client, Self.encode(.status(400)))
                return
            }
            // Read and drop the body, so that closing does not reset the
            // connection before the client has read the answer.
            if let length = request.contentLength {
                LoopbackSocket.discard(client, count: length - head.extra.count, limit: 1 << 20)
            }
            let response = state.withLock { state -> Response in
                state.requests[request.path, default: 0] += 1
                guard let route = state.routes[request.path] else {
                    return .text("no route for \(request.path)\n", status: 404)
                }
                let hits = state.routeHits[request.path, default: 0]
                state.routeHits[request.path] = hits + 1
                switch route {
                case .always(let response): return response
                case .failing(let first, let then): return hits < first ? .status(503) : then
                }
            }
            LoopbackSocket.sendAll(client, Self.encode(response))
        }

        /// The bytes of `response`: status line, headers, body.
        static func encode(_ response: Response) -> [UInt8] {
            let head = "HTTP/1.1 \(response.status) \(LoopbackHTTPServer.reason(response.status))\r\n"
                + "Content-Type: \(response.contentType)\r\n"
                + "Content-Length: \(response.body.count)\r\n"
                + "Connection: close\r\n\r\n"
            return Array(head.utf8) + response.body
        }
    }

    /// The parts of a request head the server uses.
    private struct Request {
        /// The path without its query string, eg `"/flaky"`.
        var path: String
        var contentLength: Int?

        /// Parses `GET /flaky?x=1 HTTP/1.1\r\nHost: ...\r\n...`; `nil` if the
        /// request line is not `METHOD TARGET HTTP/1.x`.
        init?(_ head: String) {
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            let parts = lines.first?.split(separator: " ") ?? []
            guard parts.count == 3, parts[1].hasPrefix("/"), parts[2].hasPrefix("HTTP/1.") else { return nil }
            path = String(parts[1].prefix { $0 != "?" })
            contentLength = lines.dropFirst().lazy.compactMap { line -> Int? in
                let field = line.split(separator: ":", maxSplits: 1)
                guard field.count == 2, field[0].lowercased() == "content-length" else { return nil }
                return Int(field[1].filter { !$0.isWhitespace })
            }.first
        }
    }
}

// MARK: - Socket helpers (shared with LoopbackHTTPClient)

/// Blocking socket I/O with timeouts, for the loopback server and client.
enum LoopbackSocket {
    /// Keeps `descriptor` out of processes that tests spawn (eg `nekoctl`).
    /// (Glibc's module has no `accept4` or `pipe2` to do it atomically.)
    static func closeOnExec(_ descriptor: Int32) {
        _ = fcntl(descriptor, F_SETFD, fcntl(descriptor, F_GETFD) | FD_CLOEXEC)
    }

    /// Bounds every blocking `recv` and `send` on `socket` by `timeout`.
    static func setTimeout(_ socket: Int32, _ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        let size = socklen_t(MemoryLayout<timeval>.size)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &value, size)
        setsockopt(socket, SOL_SOCKET, SO_SNDTIMEO, &value, size)
    }

    /// Sends all of `bytes`; `false` if the peer went away or timed out.
    /// Never raises `SIGPIPE`.
    @discardableResult
    static func sendAll(_ socket: Int32, _ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var sent = 0
            while sent < buffer.count {
                let count = send(socket, buffer.baseAddress! + sent, buffer.count - sent, Int32(MSG_NOSIGNAL))
                if count < 0, errno == EINTR { continue }
                guard count > 0 else { return false }
                sent += count
            }
            return true
        }
    }

    /// Reads up to and including the blank line that ends a message head.
    ///
    /// - Returns: the head as text, and the bytes read past it; `nil` if the
    ///   peer closed, timed out, or sent more than `limit` bytes without one.
    static func readHead(_ socket: Int32, limit: Int) -> (text: String, extra: [UInt8])? {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count <= limit {
            if let end = headEnd(bytes) {
                return (String(decoding: bytes[..<end], as: UTF8.self), Array(bytes[(end + 4)...]))
            }
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return nil }
            bytes += chunk[..<count]
        }
        return nil
    }

    /// Reads until the peer closes, times out, or `limit` bytes came.
    static func readToEnd(_ socket: Int32, limit: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        return bytes
    }

    /// Reads and drops up to `count` bytes (at most `limit`).
    static func discard(_ socket: Int32, count: Int, limit: Int) {
        var left = min(count, limit)
        var chunk = [UInt8](repeating: 0, count: 4096)
        while left > 0 {
            let read = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, min($0.count, left), 0) }
            if read < 0, errno == EINTR { continue }
            guard read > 0 else { return }
            left -= read
        }
    }

    /// Where `\r\n\r\n` starts in `bytes`, if it is there.
    static func headEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        return (0...(bytes.count - 4)).first { bytes[$0] == 13 && bytes[$0 + 1] == 10 && bytes[$0 + 2] == 13 && bytes[$0 + 3] == 10 }
    }
}

/// A POSIX thread running a closure, for blocking socket work off Swift's
/// cooperative threads.
enum LoopbackThread {
    /// Starts a thread that runs `body`; join it with `pthread_join`, or
    /// pass `detached: true` to let it clean up after itself.
    static func start(detached: Bool = false, _ body: @escaping @Sendable () -> Void) throws -> pthread_t {
        final class Box: Sendable {
            let body: @Sendable () -> Void
            init(_ body: @escaping @Sendable () -> Void) { self.body = body }
        }
        let context = Unmanaged.passRetained(Box(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { context in
            Unmanaged<Box>.fromOpaque(context!).takeRetainedValue().body()
            return nil
        }, context)
        guard status == 0 else {
            Unmanaged<Box>.fromOpaque(context).release()
            throw LoopbackHTTPError("pthread_create: \(String(cString: strerror(status)))")
        }
        if detached { pthread_detach(thread) }
        return thread
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down, eg 1500 for 1.5 s.
    fileprivate var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
