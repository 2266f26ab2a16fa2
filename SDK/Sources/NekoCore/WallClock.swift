#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time, for people: when a state began, how long ago.
@_spi(Neko) public enum WallClock {
    /// Seconds since 1970-01-01 UTC, eg 1764639600.25.
    @_spi(Neko) public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
