#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire
import Synchronization

/// The one session of this worker process, for the C callbacks (which carry
/// no context of their own). Set once, before any callback can run.
nonisolated(unsafe) var currentSession: WorkerSession!

/// Serves one plugin instance over the two lanes: sync calls on the fast
/// lane, run on the main thread; everything else on the main lane, read by
/// a thread of its own and run on Dispatch queues.
final class WorkerSession: @unchecked Sendable {
    // `instance` is written once by `create` (on the lifecycle queue) before
    // the host sends any call; the fast-lane fields are used by one call at a time.
    let plugin: UnsafePointer<neko_plugin>
    let fast: FrameChannel
    let main: FrameChannel
    /// How long the main thread spins for the next fast-lane call before it sleeps.
    private let spin: SpinBudget
    private let instanceAddress = Atomic<UInt>(0)
    private var table: WorkerHostTable?
    private let lifecycle = DispatchQueue(label: "neko.worker.lifecycle")
    private let timerQueues: [DispatchQueue]
    private let asyncEntries: Set<UInt32>
    private let outgoing = Mutex(Requests())
    private let nextID = Atomic<UInt64>(1)
    /// The id of the fast-lane request being served; 0 once answered.
    private let fastRequest = Atomic<UInt64>(0)
    /// The thread that reads the fast lane (the main thread), set in `serve`.
    private var fastThread = pthread_t()
    /// A copy of the fast-lane call's arguments: the frame's bytes are the
    /// channel's, and an `emit` during the call reads the lane again.
    private var fastArguments = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
    private var fastArgumentsCapacity = 4096
    /// A copy of the fast-lane call's caller id, NUL-terminated (the frame's
    /// bytes are not, and are the channel's).
    private var fastCaller = UnsafeMutablePointer<CChar>.allocate(capacity: 256)
    private var fastCallerCapacity = 256
    /// The calls handed to the plugin: each completes once (`CallSlot`); a
    /// second completion is reported to the host as a `violation` frame.
    private let slots = CallSlotPool()
    /// Wakes a thread waiting for a sync call that `invoke` left incomplete.
    private let late = LockAndCondition()
    /// How many `invoke`s are running; a `ping` answers once none is (so
    /// the `violation` frames they send reach the host before its reply).
    private let invoking = Atomic<Int>(0)
    private let invokesDone = LockAndCondition()
    /// Async calls received whose `invoke` has not returned yet, by call id,
    /// and whether a cancel came meanwhile: the invoke and the cancel run on
    /// Dispatch's pool, in no order, so a cancel that would reach the plugin
    /// before its call is held back until `invoke` returns.
    private let enqueued = Mutex<[UInt64: Bool]>([:])

    /// A request of the plugin's waiting for the host's reply.
    enum Outgoing: @unchecked Sendable {  // the call pointer is the plugin's, valid until completed
        case receipt(Receipt)
        case call(UnsafePointer<neko_call>)
    }

    /// The plugin's requests waiting for a reply, by request id, and the
    /// request ids of its calls by `neko_call` address (for `neko_host.cancel`).
    private struct Requests {
        var byID: [UInt64: Outgoing] = [:]
        var callIDs: [UInt: UInt64] = [:]
    }

    init(plugin: UnsafePointer<neko_plugin>, fast: FrameChannel, main: FrameChannel, spin: SpinBudget) {
        self.plugin = plugin
        self.fast = fast
        self.main = main
        self.spin = spin
        // The host refuses a descriptor whose timers are not valid; until it has, stay bounded.
        let timers = plugin.pointee.timers == nil ? 0 : min(Int(plugin.pointee.timer_count), 1 << 16)
        timerQueues = (0..<timers).map { DispatchQueue(label: "neko.worker.timer.\($0)") }
        var asyncEntries = Set<UInt32>()
        // Walked at the plugin's stride; `hello` already refused a bad one.
        if let entries = try? DeclaredArray(plugin.pointee.entries, count: plugin.pointee.entry_count, kind: "entry") {
            for index in 0..<entries.count where entries[index].pointee.flags & UInt32(NEKO_ENTRY_ASYNC) != 0 {
                asyncEntries.insert(UInt32(index))
            }
        }
        self.asyncEntries = asyncEntries
        currentSession = self
    }

    var instance: UnsafeMutableRawPointer? {
        UnsafeMutableRawPointer(bitPattern: instanceAddress.load(ordering: .acquiring))
    }

    /// Serves until the host closes the lanes or asks for `destroy`.
    func serve() -> Never {
        guard DetachedThread.start({ self.readMainLane() }) else { end(.io("cannot start the main-lane thread")) }
        fastThread = pthread_self()
        readFastLane()
    }

    // MARK: - The fast lane

    private func readFastLane() -> Never {
        while true {
            let frame: ReceivedFrame
            do {
                guard let received = try fast.receive(spinning: spin) else { continue }
                frame = received
            } catch {
                end(error)
            }
            guard frame.kind == .invoke else { end(.malformed("the fast lane carries only invoke frames (got \(frame.kind))")) }
            guard let instance else { end(.malformed("an invoke came on the fast lane before create")) }
            let message: CallMessage
            do { message = try CallMessage(invoke: frame.payload) } catch { end(error) }
            fastRequest.store(frame.id, ordering: .releasing)
            if message.arguments.count > fastArgumentsCapacity {
                fastArguments.deallocate()
                fastArgumentsCapacity = message.arguments.count
                fastArguments = UnsafeMutableRawPointer.allocate(byteCount: fastArgumentsCapacity, alignment: 16)
            }
            if let base = message.arguments.baseAddress { fastArguments.copyMemory(from: base, byteCount: message.arguments.count) }
            var caller: UnsafePointer<CChar>?
            if let bytes = message.caller {
                if bytes.count >= fastCallerCapacity {
                    fastCaller.deallocate()
                    fastCallerCapacity = bytes.count + 1
                    fastCaller = .allocate(capacity: fastCallerCapacity)
                }
                if let base = bytes.baseAddress { UnsafeMutableRawPointer(fastCaller).copyMemory(from: base, byteCount: bytes.count) }
                fastCaller[bytes.count] = 0
                caller = UnsafePointer(fastCaller)
            }
            let slot = slots.take()
            slot.word = frame.id
            slot.arm(
                entryIndex: message.entryIndex, callID: message.callID,
                arguments: UnsafeRawBufferPointer(start: fastArguments, count: message.arguments.count),
                timeoutMilliseconds: message.timeoutMilliseconds, deadline: Self.deadline(of: message),
                caller: caller, depth: message.depth, complete: completeFast)
            if message.flags.contains(.progress) { slot.listener.store(1, ordering: .releasing) }
            invoke(instance, slot.call, serving: frame.id)
            finishSync(slot, on: fast)
        }
    }

    /// Sends an `emit` of the fast-lane call's own thread on the fast lane
    /// and reads its receipt there: the host's thread that waits for the
    /// call's reply answers it, so no reader thread wakes up on either side.
    /// - Returns: the receipt, or nil when this is not that thread (or no
    ///   fast-lane call is running): then the main lane carries it.
    func emitOnFastLane(topic: UnsafePointer<CChar>?, payload: UnsafeRawBufferPointer) -> neko_status? {
        guard pthread_equal(pthread_self(), fastThread) != 0, fastRequest.load(ordering: .acquiring) != 0 else { return nil }
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        send(EmitMessage.frame(id: id, topic: topic, payload: payload), on: fast)
        let frame: ReceivedFrame
        do {
            guard let received = try fast.receive(spinning: spin) else { end(.io("no receipt for an emit")) }
            frame = received
        } catch {
            end(error)
        }
        guard frame.kind == .reply, frame.id == id else {
            end(.malformed("the fast lane answered emit #\(id) with \(frame.kind) #\(frame.id)"))
        }
        do { return try ReplyMessage(decoding: frame.payload).status } catch { end(error) }
    }

    /// The deadline a slot gets: the host's (the same clock in both
    /// processes), else one from the timeout.
    private static func deadline(of message: CallMessage) -> UInt64 {
        message.deadline != 0 ? message.deadline : MonotonicClock.deadline(afterMilliseconds: message.timeoutMilliseconds)
    }

    /// Runs the plugin's `invoke`, counted in `invoking`, with request
    /// `request` as the call this thread serves (the parent of a call the
    /// plugin makes from it without naming one).
    private func invoke(_ instance: UnsafeMutableRawPointer, _ call: UnsafePointer<neko_call>, serving request: UInt64) {
        invoking.wrappingAdd(1, ordering: .relaxed)
        let outer = pthread_getspecific(servingKey)
        pthread_setspecific(servingKey, UnsafeRawPointer(bitPattern: UInt(request)))
        plugin.pointee.invoke(instance, call)
        pthread_setspecific(servingKey, outer)
        if invoking.wrappingSubtract(1, ordering: .acquiringAndReleasing).newValue == 0 {
            invokesDone.locked { invokesDone.broadcast() }
        }
    }

    /// The host's request id of the call whose `invoke` runs on this thread, or 0.
    var servingHere: UInt64 {
        UInt64(UInt(bitPattern: pthread_getspecific(servingKey)))
    }

    /// Sends a `progress` frame of request `request`: on the fast lane when
    /// it is the fast-lane call and this is its thread (so that it arrives
    /// before the reply, as in-process), else on the main lane.
    func sendProgress(_ frame: [UInt8], request: UInt64) {
        let onFastLane = pthread_equal(pthread_self(), fastThread) != 0 && fastRequest.load(ordering: .acquiring) == request
        send(frame, on: onFastLane ? fast : main)
    }

    /// Answers a `ping` once no `invoke` runs (at most a second later), on a
    /// Dispatch thread: the main-lane reader must stay free.
    private func answerPing(_ id: UInt64) {
        DispatchQueue.global().async { [self] in
            let deadline = ContinuousClock.now + .seconds(1)
            invokesDone.locked {
                while invoking.load(ordering: .acquiring) > 0, invokesDone.wait(until: deadline), ContinuousClock.now < deadline {}
            }
            send(ReplyMessage.frame(id: id, status: Int32(NEKO_OK), data: UnsafeRawBufferPointer(start: nil, count: 0)), on: main)
        }
    }

    /// After `invoke` of a sync entry returned: recycles the slot of the
    /// completed call, or ends one left incomplete.
    private func finishSync(_ slot: CallSlot, on channel: FrameChannel) {
        if slot.current != .completed, endIncomplete(slot, on: channel) { return }  // abandoned: the late completion recycles it
        slot.recycle()
        slots.put(slot)
    }

    /// After `invoke` of a sync entry returned without completing the call (a
    /// plugin bug): tells the host, waits for a late completion until the
    /// call's deadline, then answers `timeout` itself (the late completion
    /// is then ignored). - Returns: whether the call was abandoned.
    private func endIncomplete(_ slot: CallSlot, on channel: FrameChannel) -> Bool {
        let (id, call) = (slot.word, slot.call.pointee)
        guard slot.current == .pending || slot.current == .completing else { return false }
        send(ViolationMessage(kind: .returnedIncomplete, entryIndex: call.entry_index).frame(callID: call.call_id), on: main)
        let deadline = call.timeout_ms == 0 ? nil : ContinuousClock.now + .milliseconds(Int64(call.timeout_ms))
        slot.hasWaiter.store(true, ordering: .sequentiallyConsistent)
        let abandoned = late.locked {
            var deadline = deadline
            while slot.current == .pending || slot.current == .completing {
                if !late.wait(until: deadline) {
                    if slot.abandon() { return true }
                    deadline = nil
                }
            }
            return false
        }
        if abandoned {
            if channel === fast { fastRequest.store(0, ordering: .releasing) }
            send(ReplyMessage.frame(id: id, status: Int32(NEKO_ERR_TIMEOUT), text: "the entry returned without completing the call, which did not complete within \(call.timeout_ms) ms"), on: channel)
        }
        return abandoned
    }

    /// Sends the reply of a call on `channel`, on its first completion only;
    /// a second completion is reported to the host, never answered.
    fileprivate func complete(_ call: UnsafePointer<neko_call>, _ result: UnsafePointer<neko_result>?, on channel: FrameChannel) {
        let slot = CallSlot.of(call)
        switch slot.claim() {
        case .first:
            let id = slot.word
            // The host's caller stops reading the fast lane at this reply: no emit may travel there after it.
            if channel === fast { fastRequest.store(0, ordering: .releasing) }
            send(ReplyMessage.frame(id: id, result: result), on: channel)
            if slot.settle() { late.locked { late.broadcast() } }
            // A sync call's slot is recycled by the thread that invoked it, once `invoke` returned.
            if asyncEntries.contains(call.pointee.entry_index) {
                slot.recycle()
                slots.put(slot)
            }
        case .late:
            slots.put(slot)
        case .repeated:
            send(ViolationMessage(kind: .completedTwice, entryIndex: call.pointee.entry_index).frame(callID: call.pointee.call_id), on: main)
        }
    }

    // MARK: - The main lane

    private func readMainLane() {
        while true {
            let frame: ReceivedFrame
            do {
                guard let received = try main.receive() else { continue }
                frame = received
            } catch {
                end(error)
            }
            do throws(WireError) { try handle(frame) } catch { end(error) }
        }
    }

    private func handle(_ frame: ReceivedFrame) throws(WireError) {
        let id = frame.id
        switch frame.kind {
        case .reply:
            let reply = try ReplyMessage(decoding: frame.payload)
            deliver(reply, to: id)  // a completion of the plugin's runs on a Dispatch thread, not here
        case .invoke:
            let message = try CallMessage(invoke: frame.payload)
            guard instance != nil else { throw .malformed("invoke before create") }
            let arguments = Array(message.arguments)
            let (entryIndex, callID, timeout) = (message.entryIndex, message.callID, message.timeoutMilliseconds)
            let (deadline, depth, listened) = (Self.deadline(of: message), message.depth, message.flags.contains(.progress))
            let caller: [CChar]? = message.caller.map { $0.map { CChar(bitPattern: $0) } + [0] }
            let run = { @Sendable [self] in
                let slot = slots.take()
                slot.word = id
                arguments.withUnsafeBytes { bytes in
                    Self.withOptionalCString(caller) { caller in
                        slot.arm(
                            entryIndex: entryIndex, callID: callID, arguments: bytes, timeoutMilliseconds: timeout,
                            deadline: deadline, caller: caller, depth: depth, complete: completeMain)
                        if listened { slot.listener.store(1, ordering: .releasing) }
                        invoke(self.instance!, slot.call, serving: id)
                    }
                }
                if !asyncEntries.contains(entryIndex) { return finishSync(slot, on: main) }
                if enqueued.withLock({ $0.removeValue(forKey: callID) }) == true { plugin.pointee.cancel?(instance!, callID) }
            }
            // Never on this thread, which must stay free to read replies (an
            // entry may emit, and wait for the receipt). An async entry returns
            // at once: Dispatch; a sync one may block: a thread of its own
            // (Dispatch's pool grows only about once a second when its threads block).
            if asyncEntries.contains(message.entryIndex) {
                enqueued.withLock { $0[callID] = false }
                DispatchQueue.global().async(execute: run)
            } else if !DetachedThread.start(run) {
                send(ReplyMessage.frame(id: id, status: Int32(NEKO_ERR_UNAVAILABLE), text: "the worker cannot start a thread for this call"), on: main)
            }
        case .cancel:
            guard instance != nil else { break }
            // Held back when its call has not reached the plugin yet (`enqueued`).
            let held = enqueued.withLock { calls in
                guard calls[id] != nil else { return false }
                calls[id] = true
                return true
            }
            if !held { DispatchQueue.global().async { [self] in plugin.pointee.cancel?(instance!, id) } }
        case .tick:
            let index = Int(try SmallFrame.value(frame.payload, "tick.timer_index"))
            guard timerQueues.indices.contains(index), instance != nil else { throw .malformed("tick of timer #\(index), which does not exist") }
            timerQueues[index].async { [self] in
                plugin.pointee.on_timer?(instance!, UInt32(index))
                send(ReplyMessage.frame(id: id, status: Int32(NEKO_OK), data: UnsafeRawBufferPointer(start: nil, count: 0)), on: main)
            }
        case .ping:
            answerPing(id)
        case .create:
            let message = try CreateMessage(decoding: frame.payload)
            lifecycle.async { [self] in create(message, id: id) }
        case .start, .stop, .destroy, .saveState, .readSettings:
            let kind = frame.kind
            lifecycle.async { [self] in runLifecycle(kind, id: id, bytes: []) }
        case .restoreState, .changeSettings:
            let bytes = Array(try SmallFrame.bytes(frame.payload, "\(frame.kind).data"))
            let kind = frame.kind
            lifecycle.async { [self] in runLifecycle(kind, id: id, bytes: bytes) }
        case .hello, .refused, .sandbox, .log, .emit, .call, .violation, .progress, .cancelCall:
            throw .malformed("a host does not send \(frame.kind) frames")
        }
    }

    // MARK: - Lifecycle

    private func create(_ message: CreateMessage, id: UInt64) {
        let table = WorkerHostTable(message)
        self.table = table
        DenialReporter.start(self, pluginID: message.pluginID)
        var error = neko_error.empty
        guard let made = plugin.pointee.create(table.table, &error) else {
            return send(ReplyMessage.frame(id: id, status: error.failedStatus, text: error.text), on: main)
        }
        instanceAddress.store(UInt(bitPattern: made), ordering: .releasing)
        var flags: UInt8 = 0
        if settingsTable() != nil { flags |= 1 }
        send(withUnsafeBytes(of: flags) { ReplyMessage.frame(id: id, status: Int32(NEKO_OK), data: $0) }, on: main)
    }

    private func runLifecycle(_ kind: FrameKind, id: UInt64, bytes: [UInt8]) {
        guard let instance else {
            return send(ReplyMessage.frame(id: id, status: Int32(NEKO_ERR_INTERNAL), text: "\(kind) before create"), on: main)
        }
        let descriptor = plugin
        var error = neko_error.empty
        var status = Int32(NEKO_OK)
        var output: [UInt8] = []
        switch kind {
        case .start:
            status = descriptor.pointee.start?(instance, &error) ?? Int32(NEKO_OK)
        case .stop:
            for queue in timerQueues { queue.sync {} }
            descriptor.pointee.stop?(instance)
        case .destroy:
            for queue in timerQueues { queue.sync {} }
            descriptor.pointee.destroy(instance)
            send(ReplyMessage.frame(id: id, status: Int32(NEKO_OK), data: UnsafeRawBufferPointer(start: nil, count: 0)), on: main)
            _exit(0)
        case .saveState:
            for queue in timerQueues { queue.sync {} }
            if let save = descriptor.pointee.save_state {
                output = ByteSink.collect { status = save(instance, $0, &error) }
            }
        case .restoreState:
            if let restore = descriptor.pointee.restore_state {
                status = bytes.withUnsafeBufferPointer { restore(instance, $0.baseAddress, $0.count, &error) }
            }
        case .readSettings, .changeSettings:
            guard let settings = settingsTable() else {
                return send(ReplyMessage.frame(id: id, status: Int32(NEKO_ERR_NOT_FOUND), text: "the plugin keeps no settings"), on: main)
            }
            if kind == .readSettings {
                output = ByteSink.collect { status = settings.pointee.read(instance, $0, &error) }
            } else {
                status = bytes.withUnsafeBufferPointer { settings.pointee.change(instance, $0.baseAddress, $0.count, &error) }
                if status == Int32(NEKO_OK) { output = ByteSink.collect { _ = settings.pointee.read(instance, $0, &error) } }
            }
        default:
            return
        }
        if status != Int32(NEKO_OK) {
            return send(ReplyMessage.frame(id: id, status: status, text: error.text), on: main)
        }
        send(output.withUnsafeBytes { ReplyMessage.frame(id: id, status: Int32(NEKO_OK), data: $0) }, on: main)
    }

    private func settingsTable() -> UnsafePointer<neko_plugin_config>? {
        guard let instance, let get = plugin.pointee.get_extension,
              let found = NEKO_PLUGIN_CONFIG_EXTENSION.withCString({ get(instance, $0) }) else { return nil }
        let table = found.assumingMemoryBound(to: neko_plugin_config.self)
        guard table.isAtLeast1_0 else { return nil }
        return table
    }

    // MARK: - Requests of the plugin to the host

    /// Sends a request of the plugin's and registers what waits for its reply.
    func request(_ waiting: Outgoing, _ makeFrame: (UInt64) -> [UInt8]) {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        outgoing.withLock { requests in
            requests.byID[id] = waiting
            if case .call(let call) = waiting { requests.callIDs[UInt(bitPattern: call)] = id }
        }
        send(makeFrame(id), on: main)
    }

    /// `neko_host.cancel`: asks the host to cancel the plugin's call `call`
    /// (its `call` frame's request), if it is still waiting for its reply;
    /// the reply still comes. An unknown or answered call is ignored.
    func cancelOutgoing(_ call: UnsafePointer<neko_call>) {
        guard let id = outgoing.withLock({ $0.callIDs[UInt(bitPattern: call)] }) else { return }
        send(SmallFrame.make(.cancelCall, id: id), on: main)
    }

    private func deliver(_ reply: ReplyMessage, to id: UInt64) {
        let waiting = outgoing.withLock { requests -> Outgoing? in
            guard let waiting = requests.byID.removeValue(forKey: id) else { return nil }
            if case .call(let call) = waiting { requests.callIDs[UInt(bitPattern: call)] = nil }
            return waiting
        }
        guard let waiting else { return }
        switch waiting {
        case .receipt(let receipt):
            receipt.finish(reply.status)
        case .call(let call):
            let (status, field, data, address) = (reply.status, reply.field, Array(reply.data), UInt(bitPattern: call))
            DispatchQueue.global().async {
                let call = UnsafePointer<neko_call>(bitPattern: address)!
                data.withUnsafeBytes { call.complete(status: status, data: $0, field: field) }
            }
        }
    }

    // MARK: - Plumbing

    /// Sends a frame; a host that is gone ends the worker.
    func send(_ frame: [UInt8], on channel: FrameChannel) {
        do { try channel.send(frame) } catch { end(error) }
    }

    /// Runs `body` with `bytes` (NUL-terminated) as a C string, or with nil.
    private static func withOptionalCString<T>(_ bytes: [CChar]?, _ body: (UnsafePointer<CChar>?) -> T) -> T {
        guard let bytes else { return body(nil) }
        return bytes.withUnsafeBufferPointer { body($0.baseAddress) }
    }

    /// Ends the process: the host closed the lanes, or broke the protocol.
    private func end(_ error: WireError) -> Never {
        if error != .closed {
            var line = "neko-worker: \(error); exiting\n"
            line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
            _exit(3)
        }
        _exit(0)
    }

}

/// The thread-specific key of the host request id each `invoke` serves.
private let servingKey: pthread_key_t = {
    var key = pthread_key_t()
    pthread_key_create(&key, nil)
    return key
}()

/// The `complete` functions of the calls the worker makes: a pointer the
/// plugin hands back (a `parent`, a progress report) is trusted as one of
/// those calls only when its `complete` is one of them.
let workerCompletions: [neko_complete_fn] = [completeFast, completeMain]

private let completeFast: neko_complete_fn = { call, result in
    guard let call else { return }
    currentSession.complete(call, result, on: currentSession.fast)
}

private let completeMain: neko_complete_fn = { call, result in
    guard let call else { return }
    currentSession.complete(call, result, on: currentSession.main)
}

/// Waits for the host's receipt of an `emit`.
final class Receipt: Sendable {
    private let status = Atomic<Int32>(Int32(NEKO_ERR_UNAVAILABLE))
    private let done = DispatchSemaphore(value: 0)

    func finish(_ value: neko_status) {
        status.store(value, ordering: .releasing)
        done.signal()
    }

    func wait() -> neko_status {
        done.wait()
        return status.load(ordering: .acquiring)
    }
}

