import Synchronization

/// The ids of the calls this process makes (`neko_call.call_id`): unique in
/// the process, never 0, never reused (64 bits do not wrap in practice).
enum CallIDs {
    private static let counter = Atomic<UInt64>(1)

    /// A fresh id.
    static func next() -> UInt64 {
        counter.wrappingAdd(1, ordering: .relaxed).oldValue
    }

    /// The first of `count` fresh ids, for a thread to hand out without
    /// touching the shared counter on every call.
    static func block(_ count: UInt64) -> UInt64 {
        counter.wrappingAdd(count, ordering: .relaxed).oldValue
    }
}
