#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore
import Synchronization

/// How long a thread that waits for its peer's answer may spin (poll
/// without sleeping) before it sleeps: spinning saves a wake-up (tens of
/// microseconds on a small VM) when the answer comes soon, and wastes a CPU
/// the peer may need when it does not.
///
/// The rule (docs/ISOLATION.md, "Adaptive spinning"): while a CPU is idle
/// (`IdleCPU`), a wait spins up to `cap`: nobody needs that CPU, and on a VM
/// an idle vCPU takes tens of microseconds to wake, so the answer comes
/// sooner when both sides keep spinning. Otherwise a wait spins at most
/// `min(budget, 2 x the recent answer latency)`, the latency being an
/// exponentially weighted moving average (1/8) of every wait. A spin that
/// catches the answer doubles the budget, up to `cap`; a spin that ends in a
/// sleep anyway (the peer is slow), or that the scheduler interrupts (the
/// CPU is wanted by another thread), halves it. Below
/// 1 µs the budget counts as zero: the waits sleep at once, and one wait in
/// `probeInterval` (16, doubling after each failed probe up to 1024) spins
/// again, to notice when spinning pays again.
///
/// Shared by the waits of one lane or one kind of call; updates are relaxed
/// atomics, so concurrent waits may lose an update (harmless: a budget is a guess).
package final class SpinBudget: Sendable {
    /// The longest spin, in nanoseconds (`HostOptions.answerSpin`); 0: never spin.
    package let cap: Int
    /// Whether the budget adapts; false: every wait spins `cap` (for comparison).
    package let adaptive: Bool
    private let budget: Atomic<Int>
    private let latency: Atomic<Int>
    private let sleepsSinceProbe = Atomic<Int>(0)
    private let probeInterval = Atomic<Int>(SpinBudget.shortestProbeInterval)

    /// Below this, a budget counts as zero (ns).
    static let floor = 1_000
    static let shortestProbeInterval = 16
    static let longestProbeInterval = 1024

    /// A budget that starts at `cap` (and never exceeds it).
    package init(cap: Duration, adaptive: Bool = true) {
        let (seconds, attoseconds) = cap.components
        let nanoseconds = max(0, Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000))
        self.cap = nanoseconds
        self.adaptive = adaptive
        budget = Atomic(nanoseconds)
        latency = Atomic(nanoseconds / 2)
    }

    /// The current budget, in nanoseconds (for tests and figures).
    package var current: Int { budget.load(ordering: .relaxed) }

    /// How long the next wait may spin, in nanoseconds (0: sleep at once):
    /// the whole `cap` while a CPU is idle (spinning costs nobody, and an idle
    /// vCPU is slow to wake), else what the budget allows.
    package func next() -> Int {
        guard cap > 0 else { return 0 }
        guard adaptive else { return cap }
        if IdleCPU.shared.available() { return cap }
        let bound = max(Self.floor, 2 * latency.load(ordering: .relaxed))
        let budget = budget.load(ordering: .relaxed)
        if budget >= Self.floor { return min(budget, bound) }
        // Collapsed: sleep, but probe now and then.
        let sleeps = sleepsSinceProbe.wrappingAdd(1, ordering: .relaxed).newValue
        guard sleeps >= probeInterval.load(ordering: .relaxed) else { return 0 }
        sleepsSinceProbe.store(0, ordering: .relaxed)
        return min(cap, bound)
    }

    /// Records a wait: it spun for at most `spin` ns (from `next()`), the
    /// answer came after `waited` ns, and `caught` says whether that was
    /// while spinning.
    package func record(spin: Int, waited: Int, caught: Bool) {
        guard adaptive, cap > 0 else { return }
        let average = latency.load(ordering: .relaxed)
        latency.store(average + (min(waited, 8 * cap) - average) / 8, ordering: .relaxed)
        guard spin > 0 else { return }
        let budget = budget.load(ordering: .relaxed)
        if caught {
            self.budget.store(min(cap, max(Self.floor, budget * 2)), ordering: .relaxed)
            probeInterval.store(Self.shortestProbeInterval, ordering: .relaxed)
        } else {
            if budget < Self.floor {
                // A failed probe: probe less often.
                let interval = probeInterval.load(ordering: .relaxed)
                probeInterval.store(min(Self.longestProbeInterval, interval * 2), ordering: .relaxed)
            }
            self.budget.store(budget / 2, ordering: .relaxed)
        }
    }

    /// Spins: calls `poll` until it returns a value, or the spin's time is
    /// up, or the scheduler took the CPU away (two polls more than
    /// `preemptionGap` apart: another thread wanted this CPU, so spinning
    /// costs more than it saves). Records a caught answer in the budget;
    /// after a miss, call `recordSleep` once the answer came.
    /// - Returns: the value, if one came while spinning, and the spin's facts.
    package func spin<T, Failure: Error>(_ poll: () throws(Failure) -> T?) throws(Failure) -> (value: T?, spin: Spin) {
        let limit = next()
        let started = Self.now()
        guard limit > 0 else { return (nil, Spin(limit: 0, started: started)) }
        let end = started + limit
        var last = started
        while true {
            if let value = try poll() {
                let now = Self.now()
                // Caught, but after the scheduler interrupted the spin: the CPU is contended.
                record(spin: limit, waited: now - started, caught: now - last <= Self.preemptionGap)
                return (value, Spin(limit: limit, started: started))
            }
            let now = Self.now()
            if now >= end || now - last > Self.preemptionGap { return (nil, Spin(limit: limit, started: started)) }
            last = now
        }
    }

    /// Records a wait that slept after `spin` missed, once its answer came.
    package func recordSleep(after spin: Spin) {
        record(spin: spin.limit, waited: Self.now() - spin.started, caught: false)
    }

    /// The facts of one spin, for `recordSleep`.
    package struct Spin: Sendable {
        /// How long it could spin (ns).
        package let limit: Int
        /// When it started (ns, `now()`).
        package let started: Int
    }

    /// Two polls further apart than this (ns) mean the spinning thread lost its CPU.
    package static let preemptionGap = 10_000

    /// Nanoseconds on the monotonic clock (`MonotonicClock`), for measuring waits.
    @inline(__always)
    package static func now() -> Int {
        Int(truncatingIfNeeded: MonotonicClock.now())
    }
}
