#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore

/// The incoming call whose `invoke` runs on this thread now, innermost
/// first: what ``CallContext/current`` reads inside a sync entry.
///
/// A thread-local rather than a task-local: setting it costs two
/// `pthread_setspecific` per call instead of a task-local's allocation, and
/// a task that a sync entry starts does not inherit it, so nothing can use
/// the call after `invoke` returned (the host may free it then).
enum ServingCall {
    /// One call being served, on the stack of its `invoke`.
    struct Frame {
        let call: UnsafePointer<neko_call>
        let host: HostTable
        /// Absolute, in `CLOCK_MONOTONIC` ns; 0: none.
        let deadline: UInt64
    }

    private static let key: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "NekoPlugin cannot make a thread-local key")
        return key
    }()

    /// The frame of the innermost call served on this thread, or nil.
    @inline(__always)
    static var current: UnsafePointer<Frame>? {
        pthread_getspecific(key).map { UnsafePointer($0.assumingMemoryBound(to: Frame.self)) }
    }

    /// Runs `body` with `call` as the call this thread serves, then restores
    /// the outer one (a sync entry may call another plugin that calls back).
    @inline(__always)
    static func serving(_ call: UnsafePointer<neko_call>, host: HostTable, _ body: () -> Void) {
        var frame = Frame(call: call, host: host, deadline: CallContext.deadline(of: call))
        let key = key
        let outer = pthread_getspecific(key)
        withUnsafeMutablePointer(to: &frame) { frame in
            pthread_setspecific(key, frame)
            body()
        }
        pthread_setspecific(key, outer)
    }

    /// Runs `body` with no call served on this thread, then restores the
    /// outer one: for an async entry, whose context is its task's.
    @inline(__always)
    static func hiding(_ body: () -> Void) {
        let key = key
        let outer = pthread_getspecific(key)
        if outer == nil { return body() }
        pthread_setspecific(key, nil)
        body()
        pthread_setspecific(key, outer)
    }
}

/// The life of an async call as its context sees it: the call may be used
/// (for progress, as a parent) until the SDK completes it, and never after.
///
/// A context can outlive its call (a task the entry started and left
/// running keeps the task-local), so every use borrows the call here, and
/// the completion waits for borrowers to leave before it hands the call
/// back to the host, which may free it then.
final class CallScope: @unchecked Sendable {  // `ended` and `borrowers` are guarded by `lock`
    let call: UnsafePointer<neko_call>
    let host: HostTable
    private let lock = LockAndCondition()
    private var ended = false
    private var borrowers = 0

    init(call: UnsafePointer<neko_call>, host: HostTable) {
        self.call = call
        self.host = host
    }

    /// Runs `body` with the call, unless the call has been completed.
    /// Holds no lock while `body` runs (it calls into the host).
    func borrow<T>(_ body: (UnsafePointer<neko_call>) -> T) -> T? {
        let admitted = lock.locked { () -> Bool in
            guard !ended else { return false }
            borrowers += 1
            return true
        }
        guard admitted else { return nil }
        defer {
            lock.locked {
                borrowers -= 1
                if ended && borrowers == 0 { lock.broadcast() }
            }
        }
        return body(call)
    }

    /// Ends the scope: later borrows get nothing; waits for those in progress.
    func end() {
        lock.locked {
            ended = true
            while borrowers > 0 { lock.wait() }
        }
    }
}
