import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// Runs a plugin instance's interval timers: each on a serial Dispatch queue
/// of its own, so that a tick never overlaps the previous tick of the same
/// timer (neko_abi.h), and none runs on Swift's cooperative pool.
final class TimerRunner: Sendable {
    private struct Running {
        var sources: [Int: any DispatchSourceTimer] = [:]
        var stopped = false
    }

    private let plugin: String
    private let timers: [TimerInfo]
    private let queues: [DispatchQueue]
    private let running = Mutex(Running())
    private let tick: @Sendable (Int) -> Void
    private let ended: TickCounts

    /// - Parameter tick: calls the plugin's `on_timer` for a timer index.
    init(plugin: String, timers: [TimerInfo], tick: @escaping @Sendable (Int) -> Void) {
        self.plugin = plugin
        self.timers = timers
        self.tick = tick
        queues = timers.map { DispatchQueue(label: "neko.timer.\(plugin).\($0.id)") }
        ended = TickCounts(timers: timers.count)
    }

    /// Starts the timers marked auto-start.
    func startAutomatic() {
        for (index, timer) in timers.enumerated() where timer.autoStart { start(index) }
    }

    /// Starts timer `index`; a running one is left as it is.
    /// - Returns: false when there is no such timer or the runner is stopped.
    @discardableResult
    func start(_ index: Int) -> Bool {
        guard timers.indices.contains(index) else { return false }
        return running.withLock { state in
            guard !state.stopped else { return false }
            if state.sources[index] != nil { return true }
            let source = DispatchSource.makeTimerSource(queue: queues[index])
            let nanoseconds = max(timers[index].interval.clampedNanoseconds, 1_000_000)
            source.schedule(deadline: .now() + .nanoseconds(nanoseconds), repeating: .nanoseconds(nanoseconds))
            let (tick, ended) = (self.tick, self.ended)
            source.setEventHandler {
                tick(index)
                ended.add(index)
            }
            source.activate()
            state.sources[index] = source
            return true
        }
    }

    /// Stops timer `index`, waiting for a tick in progress to end.
    func stop(_ index: Int) {
        guard timers.indices.contains(index) else { return }
        let source = running.withLock { $0.sources.removeValue(forKey: index) }
        source?.cancel()
        queues[index].sync {}
    }

    /// Stops the running timers for a while (a reload in progress), waiting
    /// for ticks in progress to end. - Returns: which were running.
    func pause() -> [Int] {
        let paused = running.withLock { state in
            defer { state.sources = [:] }
            return state.sources
        }
        for source in paused.values { source.cancel() }
        for index in paused.keys { queues[index].sync {} }
        return Array(paused.keys)
    }

    /// Starts again the timers `pause` returned.
    func resume(_ indices: [Int]) {
        for index in indices { start(index) }
    }

    /// Stops every timer for good, waiting for ticks in progress to end.
    func stopAll() {
        let sources = running.withLock { state in
            state.stopped = true
            defer { state.sources = [:] }
            return state.sources
        }
        for source in sources.values { source.cancel() }
        for queue in queues { queue.sync {} }
    }

    /// The index of timer `id`.
    func index(of id: String) -> Int? {
        timers.firstIndex { $0.id == id }
    }

    /// Whether timer `index` is running.
    func isRunning(_ index: Int) -> Bool {
        running.withLock { $0.sources[index] != nil }
    }

    /// How many ticks of timer `index` have ended.
    func ticks(_ index: Int) -> Int {
        ended.count(index)
    }

    /// Blocks until timer `index` has ended `count` ticks, or `deadline`
    /// passes. - Returns: whether it had.
    func waitForTicks(_ index: Int, atLeast count: Int, until deadline: ContinuousClock.Instant) -> Bool {
        ended.wait(index, atLeast: count, until: deadline)
    }
}

/// How many ticks of each timer have ended, for those who wait for them.
private final class TickCounts: Sendable {
    private let counts: Mutex<[Int]>
    private let condition = LockAndCondition()

    init(timers: Int) {
        counts = Mutex([Int](repeating: 0, count: timers))
    }

    /// A tick of timer `index` ended. Counts, then wakes the waiters (the
    /// counts' lock is released first: a waiter takes it inside the condition's).
    func add(_ index: Int) {
        counts.withLock { $0[index] += 1 }
        condition.notifyAll()
    }

    func count(_ index: Int) -> Int {
        counts.withLock { $0.indices.contains(index) ? $0[index] : 0 }
    }

    func wait(_ index: Int, atLeast target: Int, until deadline: ContinuousClock.Instant) -> Bool {
        condition.wait(until: deadline) { count(index) >= target }
    }
}
