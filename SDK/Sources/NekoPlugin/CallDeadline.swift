import NekoABI

/// When the work running on this task must be done: the deadline of the
/// entry's call, or a sooner one you set. ``Retry`` reads it.
///
/// Inside an entry, ``current`` is the call's deadline
/// (``CallContext/deadline``). Bind ``bound`` to set a sooner one for a part
/// of the work (a later one does not extend the call's):
///
/// ```swift
/// try await CallDeadline.$bound.withValue(.now + .seconds(5)) {
///     try await Self.policy.run { try await fetch(url) }   // gives up rather than wait past 5 s
/// }
/// ```
public enum CallDeadline {
    /// A deadline set by the code running on this task, eg `.now + .seconds(5)`; nil: none.
    @TaskLocal public static var bound: ContinuousClock.Instant?

    /// The sooner of ``bound`` and the deadline of the call that the running
    /// entry serves; nil: none (outside an entry, with nothing bound).
    public static var current: ContinuousClock.Instant? {
        switch (bound, CallContext.current?.deadline) {
        case let (bound?, call?): min(bound, call)
        case let (bound, call): bound ?? call
        }
    }
}
