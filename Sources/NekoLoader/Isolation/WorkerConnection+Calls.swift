#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire

/// Calls of entries: sync ones over the fast lane when it is free (else the
/// main lane), async ones over the main lane.
extension WorkerConnection {
    /// Calls a sync entry and completes `call` before returning: over the
    /// fast lane when it is free, else over the main lane. A call that
    /// overruns its deadline completes with `timeout`; if the worker has not
    /// answered `grace` later, it is killed (a sync entry cannot be canceled).
    func invokeSync(_ call: UnsafePointer<neko_call>) {
        let timeout = call.pointee.timeout_ms == 0 ? nil : Duration.milliseconds(Int64(call.pointee.timeout_ms))
        let deadline = timeout.map { ContinuousClock.now + $0 }
        let index = call.pointee.entry_index
        if let exit { return Forwarding.fail(call, crashed(exit)) }
        let arguments = UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len)
        guard Frame.fits(payload: arguments.count) else { return Forwarding.fail(call, Self.tooLarge(arguments.count)) }
        if !fastBusy.exchange(true, ordering: .acquiring) {
            let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
            fastCall.store(UInt(bitPattern: call), ordering: .releasing)
            fastRequest.store(id, ordering: .releasing)
            do throws(WireError) {
                try fast.send(CallMessage.invokeFrame(id: id, call: call, flags: Self.flags(of: call)))
                guard let frame = try receiveOnFastLane(until: deadline) else {
                    fastRequest.store(0, ordering: .releasing)
                    Forwarding.fail(call, overran(index, timeout!))
                    return watchFastLane(id, index, timeout!)
                }
                guard frame.kind == .reply, frame.id == id else {
                    throw .malformed("the fast lane answered request \(id) with \(frame.kind) #\(frame.id)")
                }
                let reply = try ReplyMessage(decoding: frame.payload)
                fastRequest.store(0, ordering: .releasing)
                call.complete(status: reply.status, data: reply.data, field: reply.field)
                fastBusy.store(false, ordering: .releasing)
            } catch {
                fastRequest.store(0, ordering: .releasing)
                if case .malformed(let why) = error { kill(because: "it sent a malformed frame on the fast lane: \(why)") }
                if case .io(let why) = error { kill(because: "its fast lane failed: \(why)") }
                // The lane stays taken: this worker is over.
                Forwarding.fail(call, crashed(waitForExit()))
            }
            return
        }
        let slot = ReplySlot()
        guard let id = sendOnMainLane(call, waiting: .slot(slot, call: call)) else { return }
        switch slot.wait(until: deadline) {
        case .reply(let reply):
            reply.data.withUnsafeBytes { call.complete(status: reply.status, data: $0, field: reply.field) }
        case .ended(let exit):
            Forwarding.fail(call, crashed(exit))
        case .timedOut:
            forgetCall(of: id)
            Forwarding.fail(call, overran(index, timeout!))
            // Waits for the late reply itself (its slot stays registered), not a sleep.
            let watching = DetachedThread.start { [self] in
                if case .timedOut = slot.wait(until: ContinuousClock.now + grace), isWaiting(id) {
                    kill(because: hung(index, timeout!))
                }
            }
            if !watching { kill(because: hung(index, timeout!, watched: false)) }
        }
    }

    /// After a fast-lane call overran: waits `grace` more for its late reply
    /// (then the lane is free again), else kills the worker.
    private func watchFastLane(_ id: UInt64, _ index: UInt32, _ timeout: Duration) {
        let grace = self.grace
        let watching = DetachedThread.start { [self] in
            do throws(WireError) {
                if let frame = try receiveOnFastLane(until: ContinuousClock.now + grace), frame.kind == .reply, frame.id == id {
                    fastBusy.store(false, ordering: .releasing)
                    return
                }
                kill(because: hung(index, timeout))
            } catch {
                if case .closed = error { return }  // it died: the main lane's reader reports it
                kill(because: "its fast lane failed: \(error)")
            }
        }
        if !watching { kill(because: hung(index, timeout, watched: false)) }
    }

    /// Starts a call of an async entry; `call` completes when the reply comes
    /// (or the worker ends).
    func invokeAsync(_ call: UnsafePointer<neko_call>) {
        _ = sendOnMainLane(call, waiting: .call(call))
    }

    /// Registers what waits for the reply and sends `call` on the main lane.
    /// - Returns: the request id, or nil when the worker has ended (then
    ///   `call` is completed with `plugin_crashed`).
    private func sendOnMainLane(_ call: UnsafePointer<neko_call>, waiting: Waiting) -> UInt64? {
        guard Frame.fits(payload: call.pointee.args_len) else {
            Forwarding.fail(call, Self.tooLarge(call.pointee.args_len))
            return nil
        }
        let id: UInt64
        switch register(waiting) {
        case .success(let registered): id = registered
        case .failure(let exit):
            Forwarding.fail(call, crashed(exit))
            return nil
        }
        send(CallMessage.invokeFrame(id: id, call: call, flags: Self.flags(of: call)))
        return id
    }

    /// The `invoke` flags of a host's call: whether anyone listens to its
    /// progress (else the worker does not even send the reports).
    @inline(__always)
    static func flags(of call: UnsafePointer<neko_call>) -> CallMessage.Flags {
        CallSlot.of(call).listener.load(ordering: .acquiring) != 0 ? .progress : []
    }

    /// Asks the worker to cancel call `callID`.
    func cancel(_ callID: UInt64) {
        send(SmallFrame.make(.cancel, id: callID))
    }

    /// The error of arguments too large for a frame.
    static func tooLarge(_ count: Int) -> CallError {
        CallError(.invalidArgument, "arguments of \(count) bytes exceed the \(Frame.maximumLength >> 20) MiB frame limit of isolated plugins")
    }

    /// "plugin:entry" for messages.
    func entryName(_ index: UInt32) -> String {
        "\(pluginID):\(entryIDs.indices.contains(Int(index)) ? entryIDs[Int(index)] : "#\(index)")"
    }

    /// Why a worker is killed for a call it did not answer.
    private func hung(_ index: UInt32, _ timeout: Duration, watched: Bool = true) -> String {
        watched ? "\(entryName(index)) did not answer within \(timeout) + \(grace)"
            : "\(entryName(index)) did not answer within \(timeout), and no thread could wait for it"
    }

    private func overran(_ index: UInt32, _ timeout: Duration) -> CallError {
        CallError(.timeout, "\(entryName(index)) did not answer within \(timeout) (it runs in a worker process, which is killed if it does not answer within \(grace) more)")
    }

}
