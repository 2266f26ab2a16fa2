import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire
import Synchronization

extension WorkerConnection {
    /// Serves a request of the plugin in the worker (a log line, a message,
    /// a call to another plugin) through the instance's host table, as if
    /// the plugin had called it in-process. [main-lane reader]
    /// Delivers an `emit` frame's message through the host table.
    /// - Returns: the reply frame carrying its receipt (the status).
    func receipt(ofEmit frame: ReceivedFrame, binding: HostBinding) throws(WireError) -> [UInt8] {
        let table = binding.table
        let message = try EmitMessage(decoding: frame.payload)
        let status = message.topic.withCString { topic in
            table.pointee.emit?(table, topic, message.payload.baseAddress?.assumingMemoryBound(to: UInt8.self), message.payload.count)
        } ?? ErrorCode.unavailable.rawValue
        return ReplyMessage.frame(id: frame.id, status: status, data: UnsafeRawBufferPointer(start: nil, count: 0))
    }

    /// Reads the fast lane until a frame that is not an `emit`: the
    /// messages a sync entry emits on the worker's main thread travel on
    /// the fast lane, and the thread waiting for the call's reply delivers
    /// them and sends their receipts (no other thread wakes up for them).
    /// - Returns: that frame, or nil when `deadline` passed first.
    func receiveOnFastLane(until deadline: ContinuousClock.Instant?) throws(WireError) -> ReceivedFrame? {
        while true {
            guard let frame = try fast.receive(until: deadline, spinning: spin) else { return nil }
            switch frame.kind {
            case .emit:
                guard let binding else { throw .malformed("emit before the instance was created") }
                try fast.send(try receipt(ofEmit: frame, binding: binding))
            case .progress:
                try deliverProgress(frame)
            default:
                return frame
            }
        }
    }

    /// Hands a `progress` frame's report to the listener of the host's call
    /// that the frame's request runs, while that call is pending (a report
    /// of an answered or unknown request is dropped). [a lane's reader]
    func deliverProgress(_ frame: ReceivedFrame) throws(WireError) {
        let message = try ProgressMessage(decoding: frame.payload)
        guard let call = hostCall(of: frame.id) else { return }
        CallSlot.of(call).report(message.report)
    }

    func serveRequest(_ frame: ReceivedFrame, binding: HostBinding) throws(WireError) {
        let table = binding.table
        switch frame.kind {
        case .log:
            let message = try LogMessage(decoding: frame.payload)
            table.pointee.log?(table, message.level, message.text.baseAddress?.assumingMemoryBound(to: CChar.self), message.text.count)
        case .emit:
            send(try receipt(ofEmit: frame, binding: binding))
        case .call:
            // Not on this thread: the target may be this very plugin, whose
            // reply this thread must be free to read.
            let message = try CallMessage(call: frame.payload)
            let refuse = { (text: String) in self.send(ReplyMessage.frame(id: frame.id, status: ErrorCode.unavailable.rawValue, text: text)) }
            guard remoteCalls.wrappingAdd(1, ordering: .relaxed).oldValue < Self.maximumRemoteCalls else {
                remoteCalls.wrappingSubtract(1, ordering: .relaxed)
                return refuse("plugin '\(pluginID)' has \(Self.maximumRemoteCalls) calls to other plugins in flight already")
            }
            let link = RemoteCallLink(
                self, binding: binding, requestID: frame.id, arguments: Array(message.arguments), timeoutMilliseconds: message.timeoutMilliseconds,
                deadline: message.deadline, parent: hostCall(of: message.parentRequest))
            let (plugin, entry) = (message.plugin ?? "", message.entry ?? "")
            remoteLinks.withLock { $0[frame.id] = link }
            guard DetachedThread.start({ link.start(plugin, entry) }) else {
                remoteLinks.withLock { $0[frame.id] = nil }
                remoteCalls.wrappingSubtract(1, ordering: .relaxed)
                return refuse("the host cannot start a thread for this call: \(errnoText())")
            }
        case .cancelCall:
            // An answered (or unknown) call is ignored. The cancel reaches the
            // callee's `cancel`, plugin code: never on this thread.
            guard let link = remoteLinks.withLock({ $0[frame.id] }) else { return }
            DispatchQueue.global().async { link.requestCancel() }
        default:
            throw .malformed("\(frame.kind) is not a request of a plugin")
        }
    }
}

/// A call a plugin in a worker makes to another plugin: the host's
/// `neko_call`, whose completion sends the reply to the worker.
///
/// Its context: the deadline the plugin asked for, and as `parent` the
/// host's call that the plugin was serving (the one its `invoke` frame
/// carried), so that the host inherits that call's deadline and counts the
/// depth exactly as for an in-process plugin's call.
final class RemoteCallLink: @unchecked Sendable {
    // The call is written once before the host table's `call` takes it.
    let connection: WorkerConnection
    /// Keeps the host table alive until the call completes.
    let binding: HostBinding
    let requestID: UInt64
    let arguments: [UInt8]
    let timeoutMilliseconds: UInt32
    let deadline: UInt64
    let parent: UnsafePointer<neko_call>?
    let call = UnsafeMutablePointer<neko_call>.allocate(capacity: 1)
    /// The host table's `call` has been called (a cancel may go).
    private let calling = Atomic<Bool>(false)
    /// The worker asked to cancel it.
    private let cancelRequested = Atomic<Bool>(false)
    /// Its completion ran: the pointer is never passed to the host again.
    let completed = Atomic<Bool>(false)

    init(
        _ connection: WorkerConnection, binding: HostBinding, requestID: UInt64, arguments: [UInt8], timeoutMilliseconds: UInt32,
        deadline: UInt64, parent: UnsafePointer<neko_call>?
    ) {
        self.connection = connection
        self.binding = binding
        self.requestID = requestID
        self.arguments = arguments
        self.timeoutMilliseconds = timeoutMilliseconds
        self.deadline = deadline
        self.parent = parent
    }

    deinit { call.deallocate() }

    func start(_ plugin: String, _ entry: String) {
        let table = binding.table
        let context = Unmanaged.passRetained(self).toOpaque()
        arguments.withUnsafeBufferPointer { bytes in
            call.initialize(to: neko_call(
                struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: 0, call_id: 0,
                args: bytes.baseAddress, args_len: bytes.count, timeout_ms: timeoutMilliseconds, reserved: 0,
                context: context, complete: completeRemoteCall,
                deadline_ns: deadline, caller: nil, depth: 0, reserved2: 0, parent: parent))
            guard let function = table.pointee.call else {
                return Forwarding.fail(call, CallError(.unavailable, "this host does not forward calls"))
            }
            calling.store(true, ordering: .sequentiallyConsistent)
            plugin.withCString { plugin in entry.withCString { entry in function(table, plugin, entry, call) } }
        }
        // A cancel that came while the host was still taking the call may have found nothing to cancel.
        if cancelRequested.load(ordering: .sequentiallyConsistent) { cancel() }
    }

    /// The worker's `cancelCall`: cancels the call once the host table has
    /// it (now, and again once its `call` returns: a repeated cancel is ignored).
    func requestCancel() {
        cancelRequested.store(true, ordering: .sequentiallyConsistent)
        if calling.load(ordering: .sequentiallyConsistent) { cancel() }
    }

    /// Hands the cancel to the host table's `cancel` (ABI 1.1; a host
    /// without it ignores it), never after the completion. The pointer
    /// stays this link's (it holds the memory), so a cancel racing the
    /// completion finds no call, never another one.
    private func cancel() {
        guard !completed.load(ordering: .acquiring) else { return }
        let table = binding.table
        guard table.has(\.cancel), let cancel = table.pointee.cancel else { return }
        cancel(table, call)
    }
}

private let completeRemoteCall: neko_complete_fn = { call, result in
    guard let call, let context = call.pointee.context else { return }
    let link = Unmanaged<RemoteCallLink>.fromOpaque(context).takeRetainedValue()
    link.completed.store(true, ordering: .releasing)
    link.connection.remoteLinks.withLock { $0[link.requestID] = nil }
    let frame = ReplyMessage.frame(id: link.requestID, result: result)
    link.connection.remoteCalls.wrappingSubtract(1, ordering: .relaxed)
    link.connection.send(frame)
}
