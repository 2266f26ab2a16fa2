#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore
import Synchronization

/// The lines a connection of the control socket receives while one request
/// is served: event lines first (`{"id":..,"event":"progress",...}`, from any
/// thread), then the response, which closes the request: an event that
/// comes later (a plugin reporting after it answered) is dropped.
final class ConnectionLines: Sendable {
    /// The connection's socket.
    let connection: Int32
    /// Whether the response was written; guards every write.
    private let finished = Mutex(false)

    init(_ connection: Int32) {
        self.connection = connection
    }

    /// Writes an event line for request `id`, unless the response is out.
    func send(_ event: JSONObject, id: JSON) {
        var line = event
        line["id"] = id
        let bytes = JSON.object(line).serialized() + [UInt8(ascii: "\n")]
        finished.withLock { done in
            if !done { _ = ControlSocket.writeAll(connection, bytes) }
        }
    }

    /// Writes the response line; no event follows it.
    /// - Returns: whether it was written (false: the peer has gone).
    func finish(with response: [UInt8]) -> Bool {
        finished.withLock { done in
            done = true
            return ControlSocket.writeAll(connection, response)
        }
    }
}
