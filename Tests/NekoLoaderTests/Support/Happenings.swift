@_spi(Neko) import NekoCore
import Synchronization
import Testing

/// What happened on other threads (a progress report, a client's call), for
/// a test to wait on instead of sleeping. `record` from any thread; `wait`
/// blocks until enough has happened, bounded by a limit that only runs out
/// when something hangs, and then records an issue naming what never happened.
final class Happenings<Value: Sendable>: Sendable {
    private let values = Mutex<[Value]>([])
    private let condition = LockAndCondition()

    /// Something happened: keeps it and wakes the waiters.
    func record(_ value: Value) {
        values.withLock { $0.append(value) }
        condition.notifyAll()
    }

    /// Everything recorded so far, oldest first.
    var all: [Value] {
        values.withLock { $0 }
    }

    /// How many things were recorded so far.
    var count: Int {
        values.withLock { $0.count }
    }

    /// Blocks until `count` things have been recorded in all.
    /// - Returns: whether they were; false (and an issue saying `what`
    ///   never happened) when `limit` ran out first.
    @discardableResult
    func wait(for count: Int = 1, _ what: String, limit: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) -> Bool {
        guard reached(count, within: limit) else {
            Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation)
            return false
        }
        return true
    }

    /// `wait(for:_:limit:)` for async tests: a thread of its own blocks, not
    /// one of Swift's cooperative pool, which the awaited event may need.
    @discardableResult
    func waitAsync(for count: Int = 1, _ what: String, limit: Duration = .seconds(60), sourceLocation: SourceLocation = #_sourceLocation) async -> Bool {
        let reached = await withCheckedContinuation { (continuation: CheckedContinuation<Bool, Never>) in
            let started = DetachedThread.start { continuation.resume(returning: self.reached(count, within: limit)) }
            if !started { continuation.resume(returning: false) }
        }
        if !reached { Issue.record("timed out waiting for \(what)", sourceLocation: sourceLocation) }
        return reached
    }

    private func reached(_ count: Int, within limit: Duration) -> Bool {
        condition.wait(until: .now + limit) { self.count >= count }
    }
}
