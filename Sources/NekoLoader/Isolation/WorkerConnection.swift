#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Logging
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire
import Synchronization

/// The host's end of one worker process: its two lanes, the requests
/// waiting for replies, and what happens when the process ends.
///
/// The fast lane carries one sync call at a time, whose caller reads the
/// reply itself (no thread hand-off: two process wake-ups per call). Every
/// other exchange goes over the main lane, read by a thread of its own.
final class WorkerConnection: @unchecked Sendable {
    // Immutable after init, except what the Mutex and atomics guard.
    /// The plugin it runs.
    let pluginID: String
    /// The worker's process id.
    let pid: pid_t
    let fast: FrameChannel
    let main: FrameChannel
    /// The entry ids and async flags, and the timer ids, by index, for
    /// messages and lane choice: written once in `start`, before the reader
    /// thread starts and before any call.
    private(set) var entryIDs: [String] = []
    private(set) var asyncEntries: [Bool] = []
    private(set) var timerIDs: [String] = []
    /// How long a fast-lane caller spins for the reply before it sleeps.
    let spin: SpinBudget
    /// How long a worker may overrun a deadline before it is killed.
    let grace: Duration
    /// How long `stop`, `destroy`, a timer tick or a settings call may take.
    let lifecycleLimit: Duration
    let logger: Logger
    let fastBusy = Atomic<Bool>(false)
    /// The fast-lane call in flight: its request id (0: none) and the host's
    /// call (its address), for a `progress` or a `call` frame naming it.
    /// Read as a sequence lock: the id, the call, the id again (see `hostCall(of:)`).
    let fastRequest = Atomic<UInt64>(0)
    let fastCall = Atomic<UInt>(0)
    let nextID = Atomic<UInt64>(1)
    /// Calls from the plugin to other plugins in flight, each on a thread
    /// of the host's: bounded, so a plugin cannot exhaust the host's threads.
    let remoteCalls = Atomic<Int>(0)
    static let maximumRemoteCalls = 256
    /// Those calls, by the request id of the worker's `call` frame, until
    /// answered: for the worker's `cancelCall`.
    let remoteLinks = Mutex<[UInt64: RemoteCallLink]>([:])
    /// Whether the instance has the settings extension (set by `create`).
    let hasSettings = Atomic<Bool>(false)
    private let state = Mutex(State())
    /// Signaled once the worker's end is recorded, for `waitForExit`.
    private let ended = LockAndCondition()

    private struct State {
        var waiting: [UInt64: Waiting] = [:]
        var exit: WorkerExit?
        var killReason: String?
        var reaping = false
        var expectingExit = false
        var onExit: (@Sendable (WorkerExit) -> Void)?
        /// The binding whose host table the instance got (set by `create`,
        /// dropped at the end): where the plugin's requests go. Held here so
        /// that it outlives any request still being served.
        var binding: HostBinding?
        /// What its sandbox enforces (`isolation = "sandbox"`), from its `sandbox` frame.
        var sandbox: SandboxReport?
    }

    /// What waits for a reply of the worker: a thread (with the host's call
    /// it runs, for a sync entry's), or the host's call of an async entry.
    enum Waiting: @unchecked Sendable {  // the call is the caller's, valid until completed
        case slot(ReplySlot, call: UnsafePointer<neko_call>?)
        case call(UnsafePointer<neko_call>)
    }

    private init(pluginID: String, pid: pid_t, fast: FrameChannel, main: FrameChannel, options: HostOptions) {
        self.pluginID = pluginID
        self.pid = pid
        self.fast = fast
        self.main = main
        spin = SpinBudget(cap: options.answerSpin, adaptive: options.adaptiveSpin)
        grace = options.hangGrace
        lifecycleLimit = options.drainTimeout + options.hangGrace
        logger = options.logger
        // A worker that stops reading must not hang the host's threads in send.
        fast.setSendTimeout(lifecycleLimit)
        main.setSendTimeout(lifecycleLimit)
    }

    /// The binding of the instance, once created and until the worker ends.
    var binding: HostBinding? {
        get { state.withLock { $0.binding } }
        set { state.withLock { $0.binding = newValue } }
    }

    /// Sends a frame on the main lane; a worker that cannot take it is killed
    /// (whatever waits for its reply then fails as crashed).
    func send(_ frame: [UInt8]) {
        do throws(WireError) { try main.send(frame) } catch {
            if case .closed = error { return }  // it died: the reader reports it
            kill(because: "its main lane failed: \(error)")
        }
    }

    // MARK: - Starting

    /// Starts a worker for `manifest`'s library (its private copy at `path`)
    /// and waits for its `hello`, at most the manifest's startup timeout.
    /// - Returns: the connection and the plugin's descriptor, as the worker read it.
    static func start(_ manifest: PluginManifest, libraryCopy path: String, options: HostOptions) throws(LoadFailure) -> (WorkerConnection, DescriptorMessage) {
        let executable = try WorkerProcess.locate(options.workerExecutable).get()
        guard let fastPair = FrameChannel.socketPair() else { throw LoadFailure(.open, "cannot make the worker's sockets: \(errnoText())") }
        guard let mainPair = FrameChannel.socketPair() else {
            close(fastPair.0)
            close(fastPair.1)
            throw LoadFailure(.open, "cannot make the worker's sockets: \(errnoText())")
        }
        var arguments = ["--library", path, "--host-name", options.hostName, "--spin-us", "\(options.answerSpin.clampedNanoseconds / 1000)"] + (options.adaptiveSpin ? [] : ["--spin-fixed"])
        if let limit = manifest.runtime.memoryLimitMiB { arguments += ["--memory-limit-mib", "\(limit)"] }
        if let limit = manifest.runtime.openFiles { arguments += ["--open-files", "\(limit)"] }
        var inheriting: Set<String>?
        if manifest.runtime.isolation == .sandbox {
            // Landlock grants a folder that exists: the data folder is made first.
            let dataFolder = options.dataFolder(of: manifest)
            if let problem = Folders.make(dataFolder) {
                close(fastPair.0); close(fastPair.1); close(mainPair.0); close(mainPair.1)
                throw LoadFailure(.startup, "\(dataFolder): cannot create the data folder: \(problem)")
            }
            arguments += SandboxLaunch.arguments(manifest, dataFolder: dataFolder, options: options)
            inheriting = SandboxLaunch.inheritedVariables(manifest)
        }
        let spawned = WorkerProcess.spawn(executable, arguments: arguments, environment: options.workerEnvironment, inheriting: inheriting, fast: fastPair.1, main: mainPair.1)
        close(fastPair.1)
        close(mainPair.1)
        let fast = FrameChannel(descriptor: fastPair.0)
        let main = FrameChannel(descriptor: mainPair.0)
        let pid = try spawned.get()
        let connection = WorkerConnection(pluginID: manifest.id, pid: pid, fast: fast, main: main, options: options)
        let descriptor = try connection.awaitHello(manifest).get()
        if descriptor.isComplete {
            connection.entryIDs = descriptor.entries.map { $0.id ?? "" }
            connection.asyncEntries = descriptor.entries.map { $0.flags & UInt32(NEKO_ENTRY_ASYNC) != 0 }
            connection.timerIDs = descriptor.timers.map { $0.id ?? "" }
        }
        guard DetachedThread.start({ connection.readMainLane() }) else {
            connection.killAndReap("no thread to read it")
            throw LoadFailure(.open, "cannot start a thread for the worker of '\(manifest.id)'")
        }
        return (connection, descriptor)
    }

    /// What the worker's sandbox enforces; nil for a worker without one.
    var sandbox: SandboxReport? { state.withLock { $0.sandbox } }

    /// Reads the worker's first frame: the descriptor, or why it refused
    /// (after the report of its sandbox, for a sandboxed one).
    private func awaitHello(_ manifest: PluginManifest) -> Result<DescriptorMessage, LoadFailure> {
        let library = manifest.libraryPath
        let limit = manifest.runtime.startupTimeout
        let deadline = ContinuousClock.now + limit
        do throws(WireError) {
            var received = try main.receive(until: deadline)
            if let frame = received, frame.kind == .sandbox, manifest.runtime.isolation == .sandbox {
                let report = try SandboxReport(decoding: frame.payload)
                state.withLock { $0.sandbox = report }
                received = try main.receive(until: deadline)
            }
            guard let frame = received else {
                killAndReap("it did not open the library within \(limit)")
                return .failure(LoadFailure(.open, "\(library): the worker process did not open the library within \(limit) ([plugin_runtime].timeout in \(manifest.manifestPath))"))
            }
            switch frame.kind {
            case .hello:
                return .success(try DescriptorMessage(decoding: frame.payload))
            case .refused:
                let refused = try RefusedMessage(decoding: frame.payload)
                killAndReap("it refused the library")
                if refused.phase == "sandbox" {
                    return .failure(LoadFailure(.open, "\(refused.message) ([plugin.permissions].require_sandbox in \(manifest.manifestPath), or the host's --require-sandbox)"))
                }
                return .failure(LoadFailure(refused.phase == "register" ? .register : .open, "\(library): \(refused.message) (in the worker process)"))
            default:
                throw .malformed("expected hello, got \(frame.kind)")
            }
        } catch {
            if case .malformed(let why) = error {
                killAndReap("its first frame was malformed")
                return .failure(LoadFailure(.open, "\(library): the worker process sent a malformed frame: \(why)"))
            }
            let exit = killAndReap(nil)
            return .failure(LoadFailure(.open, "\(library): the worker process ended before it opened the library: \(exit)"))
        }
    }

    // MARK: - Ending

    /// Kills the worker (once), recording why; its end is then handled as a crash.
    func kill(because reason: String) {
        state.withLock { state in
            guard state.exit == nil, !state.reaping, state.killReason == nil else { return }
            state.killReason = reason
            // Under the lock: the pid cannot be reaped (and reused) meanwhile.
            _ = Glibc.kill(pid, SIGKILL)
        }
    }

    /// Kills and reaps a worker that never got its reader thread.
    @discardableResult
    private func killAndReap(_ reason: String?) -> WorkerExit {
        if let reason { kill(because: reason) } else { _ = Glibc.kill(pid, SIGKILL) }
        let reason = state.withLock { $0.killReason }
        let exit = Self.reap(pid, killReason: reason)
        state.withLock { $0.exit = exit }
        ended.notifyAll()
        return exit
    }

    /// Says that the worker will now exit on purpose (`destroy`): no restart.
    func expectExit() {
        state.withLock { $0.expectingExit = true }
    }

    /// How the worker ended, or nil while it runs.
    var exit: WorkerExit? { state.withLock { $0.exit } }

    /// Runs `handler` when the worker ends unexpectedly (at once if it has).
    func onUnexpectedExit(_ handler: @escaping @Sendable (WorkerExit) -> Void) {
        let ended = state.withLock { state -> WorkerExit? in
            if let exit = state.exit { return state.expectingExit ? nil : exit }
            state.onExit = handler
            return nil
        }
        if let ended { handler(ended) }
    }

    /// Waits (at most `limit`, on a condition) for the reader thread to record the end.
    func waitForExit(atMost limit: Duration = .seconds(5)) -> WorkerExit {
        _ = ended.wait(until: ContinuousClock.now + limit) { exit != nil }
        return exit ?? WorkerExit(unknown: "its lanes closed, but it did not end within \(limit)")
    }

    private static func reap(_ pid: pid_t, killReason: String?) -> WorkerExit {
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 {
            if errno != EINTR { return WorkerExit(unknown: "cannot wait for process \(pid): \(errnoText())") }
        }
        return WorkerExit(waitStatus: status, killReason: killReason)
    }

    /// The end of the main lane: the process died, or broke the protocol and
    /// was killed. Reaps it, fails every request still waiting, and reports.
    private func finish(_ error: WireError) {
        switch error {
        case .closed: break
        case .malformed(let why): kill(because: "it sent a malformed frame: \(why)")
        case .io(let why): kill(because: "its main lane failed: \(why)")
        }
        let killReason = state.withLock { state -> String? in
            state.reaping = true
            return state.killReason
        }
        let exit = Self.reap(pid, killReason: killReason)
        let (waiting, handler) = state.withLock { state -> ([Waiting], (@Sendable (WorkerExit) -> Void)?) in
            state.exit = exit
            state.binding = nil
            defer { state.waiting = [:] }
            return (Array(state.waiting.values), state.expectingExit ? nil : state.onExit)
        }
        ended.notifyAll()
        let failure = crashed(exit)
        for item in waiting {
            switch item {
            case .slot(let slot, _): slot.fill(.ended(exit))
            case .call(let call): Forwarding.fail(call, failure)
            }
        }
        if let handler {
            logger.error("\(pluginID): worker process \(pid) ended: \(exit)", metadata: ["plugin": "\(pluginID)"])
            handler(exit)
        }
    }

    /// The error of a call the worker's end cut short.
    func crashed(_ exit: WorkerExit) -> CallError {
        CallError(.crashed, "plugin '\(pluginID)' crashed: its worker process (pid \(pid)) \(exit.verbPhrase)")
    }

    // MARK: - Requests

    /// Registers what waits for a reply. - Returns: the request id, or the
    /// worker's end when it is over.
    func register(_ waiting: Waiting) -> Result<UInt64, WorkerExit> {
        state.withLock { state in
            if let exit = state.exit { return .failure(exit) }
            let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
            state.waiting[id] = waiting
            return .success(id)
        }
    }

    /// Sends a request on the main lane and waits for its reply until `timeout`.
    func request(_ timeout: Duration?, _ makeFrame: (UInt64) -> [UInt8]) -> WorkerAnswer {
        let slot = ReplySlot()
        let id: UInt64
        switch register(.slot(slot, call: nil)) {
        case .success(let registered): id = registered
        case .failure(let exit): return .ended(exit)
        }
        send(makeFrame(id))
        let answer = slot.wait(until: timeout.map { ContinuousClock.now + $0 })
        if case .timedOut = answer { _ = state.withLock { $0.waiting.removeValue(forKey: id) } }
        return answer
    }

    /// The host's call that request `id` runs in the worker (a sync or
    /// async entry's `invoke`), while it waits for its reply; nil for any
    /// other id. It is a `CallSlot`'s: every call the host makes is.
    func hostCall(of id: UInt64) -> UnsafePointer<neko_call>? {
        guard id != 0 else { return nil }
        if fastRequest.load(ordering: .acquiring) == id {
            let address = fastCall.load(ordering: .acquiring)
            // Still that call (not the next one, whose address may have been stored meanwhile)?
            if fastRequest.load(ordering: .acquiring) == id { return UnsafePointer(bitPattern: address) }
        }
        return state.withLock { state in
            switch state.waiting[id] {
            case .slot(_, let call): call
            case .call(let call): call
            case nil: nil
            }
        }
    }

    /// Forgets which host call request `id` runs, once the host answered
    /// that call itself (its deadline passed) but the request still waits
    /// for the worker's late reply: the call's slot may be another call's
    /// soon, which a late `progress` or `call` frame must not reach.
    func forgetCall(of id: UInt64) {
        state.withLock { state in
            if case .slot(let slot, _)? = state.waiting[id] { state.waiting[id] = .slot(slot, call: nil) }
        }
    }

    /// Whether request `id` still waits (its reply has not come).
    func isWaiting(_ id: UInt64) -> Bool {
        state.withLock { $0.waiting[id] != nil }
    }

    // MARK: - The main lane's reader

    private func readMainLane() {
        while true {
            do throws(WireError) {
                // No spinning here: measured, it took 9 µs off an async call but
                // cut 4 threads' throughput to a fifth (the readers ate the CPUs).
                guard let frame = try main.receive() else { continue }
                try handle(frame)
            } catch {
                return finish(error)
            }
        }
    }

    private func handle(_ frame: ReceivedFrame) throws(WireError) {
        switch frame.kind {
        case .reply:
            let reply = try ReplyMessage(decoding: frame.payload)
            guard let waiting = state.withLock({ $0.waiting.removeValue(forKey: frame.id) }) else { return }
            switch waiting {
            case .slot(let slot, _):
                slot.fill(.reply(WorkerReply(status: reply.status, field: reply.field, data: Array(reply.data))))
            case .call(let call):
                call.complete(status: reply.status, data: reply.data, field: reply.field)
            }
        case .log, .emit, .call, .cancelCall:
            guard let binding else { throw .malformed("\(frame.kind) before the instance was created") }
            try serveRequest(frame, binding: binding)
        case .progress:
            try deliverProgress(frame)
        case .violation:
            let violation = try ViolationMessage(decoding: frame.payload)
            switch violation.kind {
            case .completedTwice: binding?.ledger.repeatedCompletion(entryIndex: violation.entryIndex, callID: frame.id)
            case .returnedIncomplete: binding?.ledger.returnedIncomplete(entryIndex: violation.entryIndex)
            }
        default:
            throw .malformed("a worker does not send \(frame.kind) frames after hello")
        }
    }
}

extension WorkerConnection {
    /// The pid while the worker runs, nil once it has ended.
    var livePID: Int32? { exit == nil ? pid : nil }
}
