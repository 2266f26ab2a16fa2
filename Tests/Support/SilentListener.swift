#if canImport(Glibc)
import Glibc
#endif

/// A socket on 127.0.0.1 that takes connections into its queue and never
/// answers: a client's request to it waits until the client gives up. For
/// tests of a client's deadline and cancellation.
///
/// ```swift
/// let silent = try SilentListener()
/// defer { silent.stop() }
/// let fetch = Task { try await HTTP.get(silent.url("/")) }
/// #expect(await silent.connected())   // the request is in flight
/// fetch.cancel()
/// ```
public final class SilentListener: Sendable {
    /// The port it listens on (on 127.0.0.1), eg `41237`.
    public let port: UInt16
    private let listener: Int32

    /// Listens on 127.0.0.1 at an ephemeral port.
    /// - Throws: a `LoopbackHTTPError` if the socket cannot be opened.
    public init() throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard listener >= 0 else { throw LoopbackHTTPError.posix("socket") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { address in
                bind(listener, address, length) == 0 && getsockname(listener, address, &length) == 0
            }
        }
        guard bound, listen(listener, 16) == 0 else {
            let error = LoopbackHTTPError.posix("listen on 127.0.0.1")
            close(listener)
            throw error
        }
        self.listener = listener
        port = UInt16(bigEndian: address.sin_port)
    }

    deinit {
        close(listener)
    }

    /// The listener's address with `path`, eg `"http://127.0.0.1:41237/slow"`.
    public func url(_ path: String) -> String {
        "http://127.0.0.1:\(port)\(path.hasPrefix("/") ? path : "/" + path)"
    }

    /// Waits, on a thread of its own, until a client has connected (a
    /// connection is in the queue).
    /// - Returns: false if none came within `timeout`.
    public func connected(within timeout: Duration = .seconds(30)) async -> Bool {
        let listener = listener
        let milliseconds = Int32(timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        return await withCheckedContinuation { continuation in
            do {
                _ = try LoopbackThread.start(detached: true) {
                    var wait = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
                    var ready: Int32
                    repeat { ready = poll(&wait, 1, milliseconds) } while ready < 0 && errno == EINTR
                    continuation.resume(returning: ready > 0 && wait.revents & Int16(POLLIN) != 0)
                }
            } catch {
                continuation.resume(returning: false)
            }
        }
    }

    /// Stops listening: the queued connections are reset.
    public func stop() {
        shutdown(listener, Int32(SHUT_RDWR))
    }
}
