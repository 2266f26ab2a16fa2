import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// Plugin-to-plugin calls: the host receives a caller's `neko_call`, calls the
/// target with a call of its own, and completes the caller's with the result,
/// or with `timeout` when the deadline comes first, or with `canceled` when
/// the caller cancels it (`neko_host.cancel`); then the target's call is
/// canceled, and its late completion goes nowhere. The host's call lives in
/// a `CallSlot`: a target that completes it twice is reported, not obeyed.
enum Forwarding {
    /// The host's call to the target, linked to the caller's.
    final class Link: @unchecked Sendable {
        // The caller keeps `original` alive until its complete runs (neko_abi.h);
        // `answered` makes sure that happens once.
        let original: UnsafePointer<neko_call>
        let target: LoadedPlugin
        let callID: UInt64
        /// The calling plugin's table of outgoing calls, for `neko_host.cancel`.
        let outgoing: OutgoingCalls
        let slot = callSlots.take()
        let answered = Atomic<Bool>(false)
        /// Whether the target's `invoke` has returned, and whether a cancel
        /// waits for it: a cancel must not reach the target before its call
        /// (an isolated target would not know the id yet).
        let invoked = Atomic<Bool>(false)
        let cancelPending = Atomic<Bool>(false)
        let timer = DispatchSource.makeTimerSource(queue: .global())

        init(_ original: UnsafePointer<neko_call>, target: LoadedPlugin, callID: UInt64, outgoing: OutgoingCalls) {
            self.original = original
            self.target = target
            self.callID = callID
            self.outgoing = outgoing
        }

        /// Claims the right to complete the caller's call, and forgets it
        /// among the caller's outgoing calls (its pointer is the caller's
        /// again once completed).
        func claim() -> Bool {
            guard !answered.exchange(true, ordering: .acquiringAndReleasing) else { return false }
            outgoing.remove(original)
            return true
        }

        /// Ends the caller's call with `error` (unless it is answered) and
        /// asks the target to stop.
        func abort(_ error: CallError) {
            guard claim() else { return }
            timer.cancel()
            fail(original, error)
            cancelPending.store(true, ordering: .sequentiallyConsistent)
            if invoked.load(ordering: .sequentiallyConsistent) { cancelTarget() }
        }

        /// Asks the target to stop, once: by `abort` or, when the call had
        /// not reached it yet, by `start` after `invoke` returns.
        func cancelTarget() {
            if cancelPending.exchange(false, ordering: .sequentiallyConsistent) { target.cancel(callID) }
        }
    }

    /// Calls `index` of `target` on behalf of `original` (a caller's call),
    /// until `deadline` (absolute, `MonotonicClock`), `budget` from now.
    static func start(
        _ original: UnsafePointer<neko_call>, target: LoadedPlugin, index: Int, callID: UInt64, deadline: UInt64, budget: Duration,
        origin: CallOrigin, outgoing: OutgoingCalls, description: String
    ) {
        let link = Link(original, target: target, callID: callID, outgoing: outgoing)
        let left = Duration.nanoseconds(Int64(clamping: deadline &- min(deadline, MonotonicClock.now())))
        link.slot.owner = link
        link.slot.reporter = target.binding.ledger.address
        link.slot.arm(
            entryIndex: UInt32(index), callID: callID,
            arguments: UnsafeRawBufferPointer(start: original.pointee.args, count: original.pointee.args_len),
            timeoutMilliseconds: max(1, left.abiMilliseconds), deadline: deadline, complete: completeLink)
        origin.apply(to: link.slot)
        outgoing.add(original, link)
        link.timer.setEventHandler { [link] in
            link.abort(CallError(.timeout, "\(description) did not answer within \(budget)"))
        }
        link.timer.schedule(deadline: .now() + .nanoseconds(left.clampedNanoseconds))
        link.timer.activate()
        InlineCall.serving(link.slot) { target.invoke(link.slot.call) }
        link.invoked.store(true, ordering: .sequentiallyConsistent)
        link.cancelTarget()
    }

    /// Completes a caller's call with an error of the host's.
    static func fail(_ call: UnsafePointer<neko_call>, _ error: CallError) {
        call.complete(status: error.code.rawValue, message: error.message)
    }

    static let completeLink: neko_complete_fn = { call, result in
        guard let (slot, link) = CallSlot.firstCompletion(of: call, ownedBy: Link.self) else { return }
        defer { slot.returnToPool() }
        link.timer.cancel()
        if link.claim() { link.original.pointee.complete(link.original, result) }
        link.target.leave()
    }
}

/// The calls one plugin instance made through `neko_host.call` that are not
/// answered yet, by the pointer it passed: what `neko_host.cancel` looks up.
final class OutgoingCalls: Sendable {
    private let links = Mutex<[UInt: Forwarding.Link]>([:])

    func add(_ call: UnsafePointer<neko_call>, _ link: Forwarding.Link) {
        links.withLock { $0[UInt(bitPattern: call)] = link }
    }

    func remove(_ call: UnsafePointer<neko_call>) {
        _ = links.withLock { $0.removeValue(forKey: UInt(bitPattern: call)) }
    }

    /// Cancels the call made with `call`, if it is not answered yet.
    func cancel(_ call: UnsafePointer<neko_call>, by plugin: String) {
        guard let link = links.withLock({ $0[UInt(bitPattern: call)] }) else { return }
        link.abort(CallError(.canceled, "plugin '\(plugin)' canceled its call"))
    }
}
