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

extension Duration {
    /// The duration in milliseconds for people, to the tenth below 100 ms,
    /// eg "3.1 ms", "250 ms", "1.5 s" from 1 s up.
    @_spi(Neko) public var millisecondsText: String {
        let milliseconds = Double(clampedNanoseconds) / 1_000_000
        if milliseconds >= 1000 {
            let tenths = Int64((milliseconds / 100).rounded())
            return "\(tenths / 10).\(tenths % 10) s"
        }
        if milliseconds >= 100 { return "\(Int64(milliseconds.rounded())) ms" }
        let tenths = Int64((milliseconds * 10).rounded())
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}
