/// The harness's clock for a plugin's timers: time moves only when the test
/// advances it, and each running timer falls due every `interval` after it
/// started, as a host's repeating timer does.
struct HarnessClock: Sendable {
    /// Time since the harness started the plugin.
    var now: Duration = .zero
    private let intervals: [Duration]
    /// When each timer ticks next; nil while it is stopped.
    private var due: [Duration?]
    /// How many ticks of each timer ran.
    private(set) var ticks: [Int]

    init(timers: [CheckedDescriptor.TimerInfo]) {
        intervals = timers.map(\.interval)
        due = Array(repeating: nil, count: timers.count)
        ticks = Array(repeating: 0, count: timers.count)
    }

    /// Starts timers `indices` (one already running is left as it is): each
    /// ticks first one interval from now.
    mutating func start(_ indices: [Int]) {
        for index in indices where due[index] == nil { due[index] = now + intervals[index] }
    }

    /// Stops timer `index`.
    mutating func stop(_ index: Int) {
        due[index] = nil
    }

    /// Stops every timer. - Returns: those that were running.
    mutating func stopAll() -> [Int] {
        defer { due = due.map { _ in nil } }
        return due.indices.filter { due[$0] != nil }
    }

    func isRunning(_ index: Int) -> Bool {
        due[index] != nil
    }

    /// The next tick at or before `limit`, in time order (the lower index
    /// first at the same time): moves the clock to it and counts it.
    /// - Returns: the timer's index, or nil when none falls due by `limit`.
    mutating func nextTick(until limit: Duration) -> Int? {
        var next: Int?
        for (index, time) in due.enumerated() {
            guard let time, time <= limit else { continue }
            if let best = next, let bestTime = due[best], bestTime <= time { continue }
            next = index
        }
        guard let next, let time = due[next] else { return nil }
        now = time
        due[next] = time + intervals[next]
        ticks[next] += 1
        return next
    }
}
