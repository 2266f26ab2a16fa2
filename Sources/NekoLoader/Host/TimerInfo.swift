/// What a plugin says about one of its interval timers.
public struct TimerInfo: Sendable, Equatable {
    /// The id, eg `"heartbeat"`.
    public let id: String
    /// The time between ticks.
    public let interval: Duration
    /// Whether the host starts it right after the plugin's `start`.
    public let autoStart: Bool

    /// Makes a timer description, eg `TimerInfo(id: "tick", interval: .seconds(1), autoStart: true)`.
    public init(id: String, interval: Duration, autoStart: Bool) {
        self.id = id
        self.interval = interval
        self.autoStart = autoStart
    }
}
