import NekoABI

/// When the entry call running on this task must have answered: the one
/// place the SDK keeps a call's deadline, which ``Retry`` reads.
///
/// The SDK binds it around each entry it runs, from the deadline the host
/// gives the call (`neko_call.timeout_ms`: the caller's timeout or the
/// entry's own, the smaller, else the host's default, 10 s in `nekoctl`).
/// Code outside an entry sees `nil` (no deadline) unless it binds one:
///
/// ```swift
/// try await CallDeadline.$current.withValue(.now + .seconds(5)) {
///     try await Self.policy.run { try await fetch(url) }   // gives up rather than wait past 5 s
/// }
/// ```
public enum CallDeadline {
    /// The deadline of the call this task runs, eg `.now + .seconds(10)`; `nil`: none.
    @TaskLocal public static var current: ContinuousClock.Instant?

    /// The deadline of `call`, counted from now; `nil` when the call has none.
    ///
    /// Wire the ABI's per-call context here when it carries an absolute
    /// deadline: every entry reads it through this function.
    @usableFromInline static func of(_ completion: CallCompletion) -> ContinuousClock.Instant? {
        let milliseconds = completion.call.pointee.timeout_ms
        return milliseconds == 0 ? nil : .now + .milliseconds(Int64(milliseconds))
    }
}
