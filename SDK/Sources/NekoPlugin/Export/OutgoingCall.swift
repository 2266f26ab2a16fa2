import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// A call from this plugin to another plugin's entry, through the host's
/// `call` function, awaited as an async function.
///
/// The call carries the context of the call being served (ABI 1.1: its
/// `parent`, and a deadline no later than the parent's), and canceling the
/// waiting task asks the host to cancel it (`neko_host.cancel`).
enum OutgoingCall {
    /// One outgoing call: owns the `neko_call` the host holds, and the
    /// waiting task's continuation.
    ///
    /// The `neko_call` is freed when the last reference goes, never by the
    /// completion alone: a cancel in progress on another thread keeps the
    /// request, so the pointer it passes to `neko_host.cancel` is never
    /// freed memory, nor another call's.
    private final class Request: @unchecked Sendable {  // `call` is written before it is issued, then only read
        /// Where the call is, as the request sees it.
        enum Phase { case unissued, issuing, issued, completed }
        struct State {
            var phase = Phase.unissued
            var continuation: CheckedContinuation<[UInt8], any Error>?
            var canceled = false
        }

        let call = UnsafeMutablePointer<neko_call>.allocate(capacity: 1)
        let host: HostTable
        private let state = Mutex(State())

        init(host: HostTable) {
            self.host = host
            call.initialize(to: neko_call())
        }

        deinit {
            call.deinitialize(count: 1)
            call.deallocate()
        }

        /// Keeps the waiting task's continuation. - Returns: false when the
        /// task was canceled already (then the continuation has been resumed).
        func wait(_ continuation: CheckedContinuation<[UInt8], any Error>) -> Bool {
            let canceled = state.withLock { state -> Bool in
                if !state.canceled { state.continuation = continuation }
                return state.canceled
            }
            if canceled { continuation.resume(throwing: CancellationError()) }
            return !canceled
        }

        /// Hands the call to the host, unless it was canceled before.
        func issue(_ send: (UnsafePointer<neko_call>) -> Void) {
            let go = state.withLock { state -> Bool in
                guard !state.canceled else { return false }
                state.phase = .issuing
                return true
            }
            guard go else { return }
            // Retained for the host, released by `complete` (which may run inside `send`).
            call.pointee.context = Unmanaged.passRetained(self).toOpaque()
            send(call)
            let cancelNow = state.withLock { state -> Bool in
                guard state.phase == .issuing else { return false }  // completed already
                state.phase = .issued
                return state.canceled  // a cancel that came while issuing, left to us
            }
            if cancelNow { sendCancel() }
        }

        /// The waiting task was canceled: it stops waiting at once, and the
        /// host is asked to cancel the call (its completion still comes).
        func cancel() {
            let (continuation, cancelNow) = state.withLock { state in
                defer { state.continuation = nil }
                state.canceled = true
                return (state.continuation, state.phase == .issued)
            }
            continuation?.resume(throwing: CancellationError())
            if cancelNow { sendCancel() }
        }

        /// `neko_host.cancel`, when the host has it (ABI 1.1).
        private func sendCancel() {
            host.cancel?(host.pointer, call)
        }

        /// The host completed the call: resumes the waiting task, if it still waits.
        func complete(_ outcome: Result<[UInt8], any Error>) {
            let continuation = state.withLock { state in
                defer { state.continuation = nil }
                state.phase = .completed
                return state.continuation
            }
            continuation?.resume(with: outcome)
        }
    }

    static func perform(
        host: HostTable,
        call: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void,
        plugin: String, entry: String, arguments: [UInt8], timeout: Duration?
    ) async throws -> [UInt8] {
        let context = CallContext.current
        // The sooner of our own wish and the call being served's deadline
        // (the host lowers it to the parent's too, but the parent may be gone).
        var timeoutMilliseconds = timeout.map { max(1, $0.abiMilliseconds) } ?? 0
        var deadline = MonotonicClock.deadline(afterMilliseconds: timeoutMilliseconds)
        if let served = context?.deadlineNanoseconds, served != 0, deadline == 0 || served < deadline {
            guard let left = MonotonicClock.millisecondsLeft(until: served) else {
                throw CallError(.timeout, "the deadline of the call passed before \(plugin):\(entry) was called")
            }
            (deadline, timeoutMilliseconds) = (served, left)
        }
        let request = Request(host: host)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard request.wait(continuation) else { return }
                arguments.withUnsafeBufferPointer { args in
                    request.call.pointee = neko_call(
                        struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: 0, call_id: 0,
                        args: args.baseAddress, args_len: args.count, timeout_ms: timeoutMilliseconds,
                        reserved: 0, context: nil, complete: completeOutgoing,
                        deadline_ns: deadline, caller: nil, depth: 0, reserved2: 0, parent: nil)
                    plugin.withCString { plugin in
                        entry.withCString { entry in
                            request.issue { outgoing in
                                // The parent only while it may still be used (never once answered).
                                let sent = context?.withCall { parent, _ -> Bool in
                                    request.call.pointee.parent = parent
                                    call(host.pointer, plugin, entry, outgoing)
                                    return true
                                } ?? false
                                if !sent {
                                    request.call.pointee.parent = nil
                                    call(host.pointer, plugin, entry, outgoing)
                                }
                            }
                        }
                    }
                }
            }
        } onCancel: {
            request.cancel()
        }
    }

    /// The `complete` of an outgoing call: resumes the waiting task.
    private static let completeOutgoing: neko_complete_fn = { call, result in
        guard let call, let context = call.pointee.context else { return }
        // Balances `issue`'s retain; the request (and `call`) live on while a cancel holds it.
        let request = Unmanaged<Request>.fromOpaque(context).takeRetainedValue()
        guard let result else {
            return request.complete(.failure(CallError(.internal, "the host completed a call without a result")))
        }
        guard result.isAtLeast1_0 else {
            return request.complete(.failure(CallError(.internal, "the host completed a call with \(neko_result.tooShort(result.structSize))")))
        }
        let (data, length) = (result.pointee.data, result.pointee.len)
        guard data != nil || length == 0 else {
            return request.complete(.failure(CallError(.internal, "the host completed a call with data NULL and len \(length)")))
        }
        let bytes = Array(UnsafeRawBufferPointer(start: data, count: length))
        if let code = ErrorCode(status: result.pointee.status) {
            request.complete(.failure(CallError(code, String(decoding: bytes, as: UTF8.self), field: result.pointee.field.map { String(cString: $0) })))
        } else {
            request.complete(.success(bytes))
        }
    }
}
