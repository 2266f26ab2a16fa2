#if canImport(Glibc)
import Glibc
#endif
import Logging
@_spi(Neko) import NekoCore
import NekoLoader

extension ControlServer {
    /// How often a `watch` request looks whether its peer has gone or the
    /// server stops, between changes (a change itself wakes it at once).
    static let watchCheckInterval: Duration = .milliseconds(500)

    /// The `watch` op: an event line `{"event":"watching","count":N}` at
    /// once, then `{"event":"changed","count":N}` after each state change of
    /// a plugin (a load, a reload, an unload, a crash); `count` grows with
    /// each. Answers (`{"stopped": true}`) only when the server stops; ends
    /// without an answer when the peer closes the connection. For a client
    /// that keeps a view of the plugins current (`nekoctl mcp`).
    ///
    /// With `logs` (the request's `"logs": true`, `"level"`), the log lines
    /// at that level and above come too, `{"event":"log","plugin":..,"level":..,"message":..}`,
    /// and each message a plugin emits, `{"event":"message","plugin":..,"topic":..,"payload":..}`.
    func watch(_ lines: (ConnectionLines, JSON)?, logs level: Logger.Level?) throws(ControlError) -> JSON {
        guard let (events, id) = lines else { return ["stopped": false] }
        if level != nil && logs == nil {
            throw .badRequest("this server streams no log lines ('logs' of op 'watch')", field: "logs")
        }
        let connection = events.connection
        var seen = host.changeCount
        events.send(["event": "watching", "count": .int(Int64(truncatingIfNeeded: seen))], id: id)
        var token: Int?
        if let level, let logs { token = logs.subscribe(minimum: level) { events.send($0, id: id) } }
        defer { if let token { logs?.unsubscribe(token) } }
        while true {
            if state.withLock({ $0.stopping }) { return ["stopped": true] }
            if Self.peerHasClosed(connection) { return ["stopped": false] }
            if host.waitForChange(after: seen, timeout: Self.watchCheckInterval) {
                seen = host.changeCount
                events.send(["event": "changed", "count": .int(Int64(truncatingIfNeeded: seen))], id: id)
            }
        }
    }

    /// Whether the peer of `connection` has closed it (or it failed): a
    /// read without waiting finds its end. Bytes it sent are left unread.
    static func peerHasClosed(_ connection: Int32) -> Bool {
        var byte: UInt8 = 0
        let count = recv(connection, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT))
        if count == 0 { return true }
        return count < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
    }
}
