extension Duration {
    /// Whole milliseconds, eg 1500 for 1.5 s; negative durations give 0 and
    /// huge ones are clamped.
    @_spi(Neko) public var wholeMilliseconds: Int64 {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        if overflow { return seconds < 0 ? 0 : .max }
        return max(0, scaled &+ attoseconds / 1_000_000_000_000_000)
    }

    /// Whole milliseconds as the ABI carries them (`neko_call.timeout_ms`,
    /// `neko_entry.timeout_ms`), clamped to `UInt32`.
    @_spi(Neko) public var abiMilliseconds: UInt32 {
        UInt32(clamping: wholeMilliseconds)
    }

    /// Nanoseconds, clamped to `Int` (what Dispatch takes); negative gives 0.
    @_spi(Neko) public var clampedNanoseconds: Int {
        let (seconds, attoseconds) = components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return seconds < 0 ? 0 : .max }
        return max(0, Int(clamping: scaled &+ attoseconds / 1_000_000_000))
    }
}
