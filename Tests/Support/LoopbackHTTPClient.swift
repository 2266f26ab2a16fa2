#if canImport(Glibc)
import Glibc
#endif

/// A minimal HTTP/1.1 GET for tests, to a server on this machine only
/// (`127.0.0.1` or `localhost`), eg a `LoopbackHTTPServer`.
///
/// No proxy, no redirects, no keep-alive, no TLS: one connection per request,
/// read until the server closes it. The blocking socket work runs on a thread
/// of its own, never on Swift's cooperative threads, and every read and write
/// is bounded by `timeout`.
///
/// ```swift
/// let response = try await LoopbackHTTPClient.get(server.url("/hello")).requireSuccess()
/// #expect(response.text == "hi")
/// ```
public enum LoopbackHTTPClient {
    /// What the server answered.
    public struct Response: Sendable {
        /// The URL that was fetched, eg `"http://127.0.0.1:41237/hello"`.
        public var url: String
        /// The status code, eg `200`.
        public var status: Int
        /// The headers, by lowercased name, eg `["content-type": "application/json"]`.
        public var headers: [String: String]
        /// The body (as long as `Content-Length` says, when it says).
        public var body: [UInt8]

        /// The body as UTF-8 text.
        public var text: String { String(decoding: body, as: UTF8.self) }

        /// This response if its status is 2xx; throws an `HTTPStatusError`
        /// otherwise (requests' `raise_for_status()`).
        @discardableResult
        public func requireSuccess() throws(HTTPStatusError) -> Response {
            guard (200..<300).contains(status) else { throw HTTPStatusError(status: status, url: url) }
            return self
        }
    }

    /// GETs `url`, eg `"http://127.0.0.1:41237/hello"`.
    ///
    /// - Throws: a `LoopbackHTTPError` if the URL is not `http://` to a
    ///   loopback host with a port, or the connection fails or times out.
    ///   A status other than 2xx is not an error here: see `requireSuccess()`.
    public static func get(_ url: String, timeout: Duration = .seconds(5)) async throws -> Response {
        let target = try Target(url)
        return try await withCheckedThrowingContinuation { continuation in
            do {
                _ = try LoopbackThread.start(detached: true) {
                    continuation.resume(with: Result { try fetch(target, url: url, timeout: timeout) })
                }
            } catch {
                continuation.resume(throwing: error)
            }
        }
    }

    /// Where a loopback URL points.
    private struct Target {
        var host: String
        var port: UInt16
        var path: String

        init(_ url: String) throws {
            guard url.hasPrefix("http://") else { throw LoopbackHTTPError("not an http:// URL: \(url)") }
            let rest = url.dropFirst("http://".count)
            let authority = rest.prefix { $0 != "/" }
            path = rest.dropFirst(authority.count).isEmpty ? "/" : String(rest.dropFirst(authority.count))
            let parts = authority.split(separator: ":")
            guard parts.count == 2, let port = UInt16(parts[1]), port != 0 else {
                throw LoopbackHTTPError("no host:port in \(url)")
            }
            guard parts[0] == "127.0.0.1" || parts[0] == "localhost" else {
                throw LoopbackHTTPError("not a loopback host (127.0.0.1 or localhost): \(url)")
            }
            host = String(parts[0])
            self.port = port
        }
    }

    /// The blocking GET.
    private static func fetch(_ target: Target, url: String, timeout: Duration) throws -> Response {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard socket >= 0 else { throw LoopbackHTTPError.posix("socket") }
        defer { close(socket) }
        LoopbackSocket.setTimeout(socket, timeout)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = target.port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian   // 127.0.0.1
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else { throw LoopbackHTTPError.posix("connect to 127.0.0.1:\(target.port)") }

        let request = "GET \(target.path) HTTP/1.1\r\nHost: \(target.host):\(target.port)\r\n"
            + "Accept: */*\r\nConnection: close\r\n\r\n"
        guard LoopbackSocket.sendAll(socket, Array(request.utf8)) else {
            throw LoopbackHTTPError.posix("send to \(url)")
        }
        let bytes = LoopbackSocket.readToEnd(socket, limit: 16 << 20)
        guard let end = LoopbackSocket.headEnd(bytes) else {
            throw LoopbackHTTPError("no complete HTTP response from \(url) (\(bytes.count) bytes)")
        }
        let lines = String(decoding: bytes[..<end], as: UTF8.self).split(separator: "\r\n")
        let statusLine = lines.first?.split(separator: " ", maxSplits: 2) ?? []
        guard statusLine.count >= 2, statusLine[0].hasPrefix("HTTP/1."), let status = Int(statusLine[1]) else {
            throw LoopbackHTTPError("not an HTTP status line from \(url): \(lines.first ?? "")")
        }
        var headers: [String: String] = [:]
        for line in lines.dropFirst() {
            let field = line.split(separator: ":", maxSplits: 1)
            guard field.count == 2 else { continue }
            headers[field[0].lowercased()] = String(field[1].drop { $0 == " " })
        }
        var body = Array(bytes[(end + 4)...])
        if let length = headers["content-length"].flatMap({ Int($0) }), length < body.count {
            body.removeLast(body.count - length)
        }
        return Response(url: url, status: status, headers: headers, body: body)
    }
}

/// A response whose status is not 2xx, eg `HTTP 503 from http://127.0.0.1:41237/flaky`.
public struct HTTPStatusError: Error, Equatable, CustomStringConvertible {
    /// The status code, eg `503`.
    public var status: Int
    /// The URL that answered it.
    public var url: String

    /// Makes the error for `status` from `url`.
    public init(status: Int, url: String) {
        self.status = status
        self.url = url
    }

    public var description: String { "HTTP \(status) from \(url)" }
}
