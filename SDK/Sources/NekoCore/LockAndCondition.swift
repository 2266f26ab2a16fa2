#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable: for the few places, on either
/// side of the ABI, where a thread must block until another says so.
@_spi(Neko) public final class LockAndCondition: @unchecked Sendable {
    // pthread objects need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// Makes an unlocked mutex and its condition.
    @_spi(Neko) public init() {
        pthread_mutex_init(mutex, nil)
        // Timed waits count on the monotonic clock: a change of the wall clock moves no deadline.
        var attributes = pthread_condattr_t()
        pthread_condattr_init(&attributes)
        pthread_condattr_setclock(&attributes, CLOCK_MONOTONIC)
        pthread_cond_init(condition, &attributes)
        pthread_condattr_destroy(&attributes)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    @_spi(Neko) public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on the condition; call with the mutex held (inside `locked`).
    @_spi(Neko) public func wait() { pthread_cond_wait(condition, mutex) }

    /// Waits on the condition until `deadline` at most (nil: no deadline);
    /// call with the mutex held. - Returns: false when the deadline passed
    /// (a wake-up may still be spurious: check what you wait for again).
    @discardableResult
    @_spi(Neko) public func wait(until deadline: ContinuousClock.Instant?) -> Bool {
        guard let deadline else {
            wait()
            return true
        }
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        let (seconds, attoseconds) = left.components
        let nanoseconds = Int(now.tv_nsec) + Int(attoseconds / 1_000_000_000)
        var until = timespec(
            tv_sec: now.tv_sec + Int(clamping: min(seconds, 1 << 40)) + nanoseconds / 1_000_000_000,
            tv_nsec: nanoseconds % 1_000_000_000)
        return pthread_cond_timedwait(condition, mutex, &until) == 0
    }

    /// Blocks until `done()` (checked with the mutex held) is true, or
    /// `deadline` passes. - Returns: whether `done()` became true.
    @_spi(Neko) public func wait(until deadline: ContinuousClock.Instant, for done: () -> Bool) -> Bool {
        locked {
            while !done() {
                if !wait(until: deadline) && !done() { return false }
            }
            return true
        }
    }

    /// Takes the mutex and wakes every waiter: for a change made elsewhere
    /// (under another lock, or atomically) that a waiter checks.
    @_spi(Neko) public func notifyAll() {
        locked { broadcast() }
    }

    /// Wakes one waiter; call with the mutex held.
    @_spi(Neko) public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter; call with the mutex held.
    @_spi(Neko) public func broadcast() { pthread_cond_broadcast(condition) }
}
