import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire
import Synchronization

/// The outcome of a call: the result's JSON bytes, or why there is none.
typealias CallOutcome = Result<[UInt8], CallError>

/// The slow path of a call, for async entries: the `neko_call` lives in a
/// `CallSlot` (never freed) until the plugin completes it, however late,
/// while the caller waits for the outcome, a deadline or its own
/// cancellation, whichever comes first. The first completion wins; a second
/// one is ignored and reported to the plugin's `ContractLedger`.
final class CallWaiter: Sendable {
    private enum State {
        case pending
        case awaiting(CheckedContinuation<CallOutcome, Never>)
        case finished(CallOutcome)
    }

    private let state = Mutex(State.pending)
    /// Signaled once the outcome is set, for a blocking caller.
    private let finished = DispatchSemaphore(value: 0)
    /// The plugin called, told when it completes the call.
    let owner: LoadedPlugin

    /// Prepares a call; `submit` hands it to the plugin.
    init(owner: LoadedPlugin) {
        self.owner = owner
    }

    /// Hands the call to `invoke`; `arguments` are borrowed for its duration
    /// only. The slot keeps the waiter alive until the plugin completes, and
    /// is not touched here after `invoke` (it may be completed and reused).
    func submit(
        entryIndex: UInt32, callID: UInt64, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32, origin: CallOrigin,
        _ invoke: (UnsafePointer<neko_call>) -> Void
    ) {
        let slot = callSlots.take()
        slot.owner = self
        slot.reporter = owner.binding.ledger.address
        slot.arm(
            entryIndex: entryIndex, callID: callID, arguments: arguments, timeoutMilliseconds: timeoutMilliseconds,
            deadline: MonotonicClock.deadline(afterMilliseconds: timeoutMilliseconds), complete: Self.completeWaiter)
        origin.apply(to: slot)
        InlineCall.serving(slot) { invoke(slot.call) }
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

/// The idle slots of async calls and forwarded calls, shared by all plugins.
let callSlots = CallSlotPool()

extension CallSlot {
    /// The slot and owner of `call` (a slot of `callSlots`) when this is its
    /// first completion; nil for a repeated one, which is reported to the
    /// plugin's ledger. (Never `.late`: these slots are never abandoned, a
    /// deadline finishes their owner instead.)
    static func firstCompletion<Owner: AnyObject>(of call: UnsafePointer<neko_call>?, ownedBy type: Owner.Type) -> (CallSlot, Owner)? {
        guard let call else { return nil }
        let slot = CallSlot.of(call)
        guard case .first = slot.claim() else {
            ContractLedger.at(slot.reporter!).repeatedCompletion(entryIndex: call.pointee.entry_index, callID: call.pointee.call_id)
            return nil
        }
        let owner = unsafeDowncast(slot.owner.unsafelyUnwrapped, to: Owner.self)
        slot.owner = nil
        return (slot, owner)
    }

    /// Ends a first completion once its result is taken: the slot goes back to `callSlots`.
    func returnToPool() {
        _ = settle()
        recycle()
        callSlots.put(self)
    }
}

extension CallWaiter {
    /// The `complete` of a waiter's call: the first completion copies the
    /// outcome and releases the slot's hold on the waiter; a second is reported.
    static let completeWaiter: neko_complete_fn = { call, result in
        guard let (slot, waiter) = CallSlot.firstCompletion(of: call, ownedBy: CallWaiter.self) else { return }
        let outcome = CallOutcome(result)
        slot.returnToPool()
        waiter.finish(outcome)
        waiter.owner.leave()
    }
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
