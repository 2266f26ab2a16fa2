#if canImport(Glibc)
import Glibc
#endif

/// The clock of `neko_call.deadline_ns`: CLOCK_MONOTONIC in nanoseconds, the
/// same in every process of the machine (so a deadline crosses to a worker
/// process unchanged).
@_spi(Neko) public enum MonotonicClock {
    /// Nanoseconds now, eg 81234567890123.
    @inline(__always)
    @_spi(Neko) public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// The deadline `milliseconds` from now, or 0 (none) for 0. Exact: the
    /// coarse clock would save about 15 ns but can lag by more than a tick
    /// on a tickless kernel, and a deadline must not be early.
    @inline(__always)
    @_spi(Neko) public static func deadline(afterMilliseconds milliseconds: UInt32) -> UInt64 {
        milliseconds == 0 ? 0 : now() &+ UInt64(milliseconds) &* 1_000_000
    }

    /// The milliseconds left until `deadline` (at least 1 while it is ahead,
    /// 0 for none), for a 1.0 `timeout_ms`; nil once it has passed.
    @_spi(Neko) public static func millisecondsLeft(until deadline: UInt64) -> UInt32? {
        guard deadline != 0 else { return 0 }
        let now = now()
        guard deadline > now else { return nil }
        return UInt32(clamping: max(1, (deadline - now) / 1_000_000))
    }

    /// The `ContinuousClock` instant of `deadline` (0: nil), for waiting on a condition.
    @_spi(Neko) public static func instant(of deadline: UInt64) -> ContinuousClock.Instant? {
        guard deadline != 0 else { return nil }
        let left = Int64(clamping: deadline) &- Int64(clamping: now())
        return ContinuousClock.now + .nanoseconds(left)
    }
}
