/// A timer the host runs for a plugin: every `interval`, it calls a method.
///
/// ```swift
/// static let timers: [IntervalTimer<Monitor>] = [
///     IntervalTimer("heartbeat", every: .seconds(5), Monitor.beat),
/// ]
/// func beat() async throws { ... }
/// ```
/// A tick never overlaps the previous tick of the same timer; ticks run
/// beside entry calls, so shared state needs a `Mutex` or an actor, as for
/// entries. A thrown error is logged and the timer goes on. The host stops
/// every timer before `shutdown()`.
public struct IntervalTimer<P: Plugin>: Sendable {
    /// The id, eg `"heartbeat"`.
    public let id: String
    /// The time between ticks.
    public let interval: Duration
    /// Whether the host starts it right after `startup()`; otherwise it runs
    /// once the host is asked to start it.
    public let autoStart: Bool

    let run: @Sendable (P) async throws -> Void

    /// A timer that calls `body` every `interval`.
    public init(_ id: String, every interval: Duration, autoStart: Bool = true, _ body: @escaping @Sendable (P) -> () async throws -> Void) {
        self.id = id
        self.interval = interval
        self.autoStart = autoStart
        run = { plugin in try await body(plugin)() }
    }

    /// A timer that calls a synchronous `body` every `interval`.
    public init(_ id: String, every interval: Duration, autoStart: Bool = true, _ body: @escaping @Sendable (P) -> () throws -> Void) {
        self.id = id
        self.interval = interval
        self.autoStart = autoStart
        run = { plugin in try body(plugin)() }
    }
}
