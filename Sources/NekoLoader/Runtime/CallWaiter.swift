import Dispatch
import NekoABI
import NekoCore
import NekoWire
import Synchronization

/// The outcome of a call: the result's JSON bytes, or why there is none.
typealias CallOutcome = Result<[UInt8], CallError>

/// The slow path of a call, for async entries: the `neko_call` lives on the
/// heap until the plugin completes it, however late, while the caller waits
/// for the outcome, a deadline or its own cancellation, whichever comes first.
final class CallWaiter: Sendable {
    private enum State {
        case pending
        case awaiting(CheckedContinuation<CallOutcome, Never>)
        case finished(CallOutcome)
    }

    private let state = Mutex(State.pending)
    /// Signaled once the outcome is set, for a blocking caller.
    private let finished = DispatchSemaphore(value: 0)
    /// The call handed to the plugin; freed with the waiter.
    private let call: CallMemory
    /// The plugin called, told when it completes the call.
    let owner: LoadedPlugin

    /// Prepares a call; `submit` hands it to the plugin.
    init(owner: LoadedPlugin, entryIndex: UInt32, callID: UInt64, timeoutMilliseconds: UInt32) {
        self.owner = owner
        call = CallMemory(neko_call(
            struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: entryIndex, call_id: callID,
            args: nil, args_len: 0, timeout_ms: timeoutMilliseconds, reserved: 0, context: nil,
            complete: completeWaiter))
    }

    /// Hands the call to `invoke`; `arguments` are borrowed for its duration
    /// only. The call is not written after that (the plugin may read it).
    /// The plugin keeps the waiter alive until it completes.
    func submit(arguments: UnsafeRawBufferPointer, _ invoke: (UnsafePointer<neko_call>) -> Void) {
        call.pointer.pointee.context = Unmanaged.passRetained(self).toOpaque()
        call.pointer.pointee.args = arguments.baseAddress?.assumingMemoryBound(to: UInt8.self)
        call.pointer.pointee.args_len = arguments.count
        invoke(call.pointer)
    }

    /// Sets the outcome unless one is set; later completions are dropped.
    /// - Returns: whether this outcome won.
    @discardableResult
    func finish(_ outcome: CallOutcome) -> Bool {
        let (won, waiting): (Bool, CheckedContinuation<CallOutcome, Never>?) = state.withLock { state in
            switch state {
            case .finished:
                return (false, nil)
            case .pending:
                state = .finished(outcome)
                return (true, nil)
            case .awaiting(let continuation):
                state = .finished(outcome)
                return (true, continuation)
            }
        }
        guard won else { return false }
        waiting?.resume(returning: outcome)
        finished.signal()
        return true
    }

    /// The outcome, if there is one yet.
    var outcome: CallOutcome? {
        state.withLock { if case .finished(let outcome) = $0 { outcome } else { nil } }
    }

    /// Waits for the outcome from an async context.
    func value() async -> CallOutcome {
        await withCheckedContinuation { continuation in
            let ready: CallOutcome? = state.withLock { state in
                if case .finished(let outcome) = state { return outcome }
                state = .awaiting(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    /// Blocks until the outcome is set or `deadline` passes, polling first
    /// for as long as `budget` allows (HostOptions.answerSpin, adaptive).
    /// - Returns: the outcome, or nil on timeout.
    func wait(until deadline: DispatchTime, spinning budget: SpinBudget? = nil) -> CallOutcome? {
        if let outcome { return outcome }
        guard let budget else {
            _ = finished.wait(timeout: deadline)
            return outcome
        }
        let (caught, spin) = budget.spin { () -> CallOutcome? in self.outcome }
        if let caught { return caught }
        _ = finished.wait(timeout: deadline)
        let outcome = self.outcome
        if outcome != nil { budget.recordSleep(after: spin) }
        return outcome
    }
}

/// The heap `neko_call` of a waiter.
private final class CallMemory: @unchecked Sendable {
    // Written before the call is submitted, then only read by the plugin.
    let pointer = UnsafeMutablePointer<neko_call>.allocate(capacity: 1)
    init(_ call: neko_call) { pointer.initialize(to: call) }
    deinit { pointer.deallocate() }
}

/// The `complete` of a waiter's call: copies the outcome, releases the
/// plugin's hold on the waiter.
private let completeWaiter: neko_complete_fn = { call, result in
    guard let call, let context = call.pointee.context else { return }
    let waiter = Unmanaged<CallWaiter>.fromOpaque(context).takeRetainedValue()
    waiter.finish(CallOutcome(result))
    waiter.owner.leave()
}

extension CallOutcome {
    /// Copies a plugin's `neko_result` (borrowed) into an outcome.
    init(_ result: UnsafePointer<neko_result>?) {
        guard let result else {
            self = .failure(CallError(.internal, "the plugin completed a call without a result"))
            return
        }
        guard result.isAtLeast1_0 else {
            self = .failure(CallError(.internal, "the plugin completed with \(neko_result.tooShort(result.structSize))"))
            return
        }
        let (data, length) = (result.pointee.data, result.pointee.len)
        guard data != nil || length == 0 else {
            self = .failure(CallError(.internal, "the plugin completed with data NULL and len \(length)"))
            return
        }
        self.init(status: result.pointee.status, bytes: UnsafeRawBufferPointer(start: data, count: length), field: result.pointee.field)
    }

    /// Makes an outcome from the parts of a `neko_result`.
    init(status: neko_status, bytes: UnsafeRawBufferPointer, field: UnsafePointer<CChar>?) {
        if let code = ErrorCode(status: status) {
            self = .failure(CallError(code, String(decoding: bytes, as: UTF8.self), field: field.map { String(cString: $0) }))
        } else {
            self = .success(Array(bytes))
        }
    }
}
