#if canImport(Glibc)
import Glibc
#endif
import NekoABI
import NekoCore

/// The fast path of a call to a sync entry: the `neko_call` and the place its
/// outcome goes both live on the caller's stack, and the result bytes are
/// handed to the caller's closure without a copy.
///
/// A sync entry completes before `invoke` returns, on the calling thread. A
/// plugin that breaks that promise (completes later, or from another thread)
/// is still handled safely: the caller waits for the completion under a
/// lock before its stack frame goes away.
enum InlineCall {
    /// Receives the outcome: status, bytes (a JSON value or an error
    /// message), and the failing field. All borrowed for the call's duration.
    typealias Consumer = (neko_status, UnsafeRawBufferPointer, UnsafePointer<CChar>?) -> Void

    private struct Slot {
        var thread: pthread_t
        var inInvoke = true
        var completedInline = false
        var completedLate = false // guarded by Late.lock
        var consume: Consumer
    }

    /// Calls `entryIndex` of `instance` and passes the outcome to `consume`,
    /// which runs exactly once before this returns.
    static func run(
        _ descriptor: UnsafePointer<neko_plugin>, _ instance: UnsafeMutableRawPointer, entryIndex: UInt32,
        callID: UInt64, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32,
        consume: Consumer
    ) {
        withoutActuallyEscaping(consume) { consume in
            var slot = Slot(thread: pthread_self(), consume: consume)
            withUnsafeMutablePointer(to: &slot) { slot in
                var call = neko_call(
                    struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: entryIndex, call_id: callID,
                    args: arguments.baseAddress?.assumingMemoryBound(to: UInt8.self), args_len: arguments.count,
                    timeout_ms: timeoutMilliseconds, reserved: 0, context: UnsafeMutableRawPointer(slot),
                    complete: completeInline)
                descriptor.pointee.invoke(instance, &call)
                slot.pointee.inInvoke = false
                if !slot.pointee.completedInline {
                    Late.waitUntil { slot.pointee.completedLate }
                }
            }
        }
    }

    private static let completeInline: neko_complete_fn = { call, result in
        guard let call, let context = call.pointee.context else { return }
        let slot = context.assumingMemoryBound(to: Slot.self)
        let outcome = result?.pointee ?? neko_result()
        let bytes = UnsafeRawBufferPointer(start: outcome.data, count: outcome.len)
        let status = result == nil ? ErrorCode.internal.rawValue : outcome.status
        // Only the invoking thread, inside invoke, may touch the slot without the lock.
        if pthread_equal(slot.pointee.thread, pthread_self()) != 0 && slot.pointee.inInvoke {
            slot.pointee.consume(status, bytes, outcome.field)
            slot.pointee.completedInline = true
        } else {
            Late.deliver {
                slot.pointee.consume(status, bytes, outcome.field)
                slot.pointee.completedLate = true
            }
        }
    }

    /// The lock and condition for completions that arrive from another thread.
    private enum Late {
        private static let shared = LockAndCondition()

        static func deliver(_ body: () -> Void) {
            shared.locked { body(); shared.broadcast() }
        }

        static func waitUntil(_ done: () -> Bool) {
            shared.locked { while !done() { shared.wait() } }
        }
    }
}

/// A pthread mutex with a condition variable, for the rare waits of the host.
final class LockAndCondition: @unchecked Sendable {
    // pthread objects need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
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
    func locked<T>(_ body: () throws -> T) rethrows -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }

    /// Waits on the condition; call with the mutex held (inside `locked`).
    func wait() { pthread_cond_wait(condition, mutex) }

    /// Wakes every waiter; call with the mutex held.
    func broadcast() { pthread_cond_broadcast(condition) }
}
