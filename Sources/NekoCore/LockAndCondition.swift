#if canImport(Glibc)
import Glibc
#endif

/// A pthread mutex with a condition variable: for the few places, on either
/// side of the ABI, where a thread must block until another says so.
public final class LockAndCondition: @unchecked Sendable {
    // pthread objects need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    /// Makes an unlocked mutex and its condition.
    public init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Runs `body` with the mutex held.
    public func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on the condition; call with the mutex held (inside `locked`).
    public func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes one waiter; call with the mutex held.
    public func signal() { pthread_cond_signal(condition) }

    /// Wakes every waiter; call with the mutex held.
    public func broadcast() { pthread_cond_broadcast(condition) }
}
