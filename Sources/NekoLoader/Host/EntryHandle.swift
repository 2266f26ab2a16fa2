import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire

/// One entry of one loaded plugin, resolved once and called many times:
/// the fastest way to call, with no lookup by name per call.
///
/// ```swift
/// let greet = try host.entry("hello", "greet")
/// let result = try greet.callBlocking(Array(#"{"name":"Ada"}"#.utf8))
/// ```
/// A handle stays valid after its plugin stops: calls then fail with `unavailable`.
public struct EntryHandle: Sendable {
    /// The plugin's id.
    public let plugin: String
    /// The entry, as the plugin describes it.
    public let info: EntryInfo
    let loaded: LoadedPlugin
    let index: Int
    let host: PluginHost
    /// The deadline when the caller sets none, and in milliseconds: computed
    /// once, as `Duration` arithmetic costs more than the call itself.
    let defaultDeadline: Duration
    let defaultDeadlineMilliseconds: UInt32
    /// The entry's argument schema, when it asks the host to check arguments.
    let validator: JSONSchemaValidator?
    /// `validator != nil`, read on the hot path without touching the validator.
    let checksArguments: Bool

    init(plugin: String, info: EntryInfo, loaded: LoadedPlugin, index: Int, host: PluginHost) {
        self.plugin = plugin
        self.info = info
        self.loaded = loaded
        self.index = index
        self.host = host
        defaultDeadline = host.deadline(nil, info)
        defaultDeadlineMilliseconds = defaultDeadline.abiMilliseconds
        validator = loaded.library.validators[index]
        checksArguments = validator != nil
    }

    /// Why the host refuses `arguments` before the plugin sees them, or nil:
    /// only for an entry that asks the host to check them
    /// (`NEKO_ENTRY_VALIDATE_ARGS`), with every failing field. The message is
    /// the Swift SDK's for the same violations, word for word
    /// (`missing required argument 'name'; unexpected argument 'nmae' (did you mean 'name'?)`).
    func refusal(of arguments: UnsafeRawBufferPointer) -> CallError? {
        guard let validator else { return nil }
        do throws(ArgumentError) {
            let value: JSON
            do { value = arguments.isEmpty ? .object([:]) : try JSON.parse(arguments) } catch { throw ArgumentError(error) }
            try validator.validate(value)
            return nil
        } catch {
            return CallError(.invalidArgument, error.message, field: error.field)
        }
    }

    /// Registers `progress` for one call. - Returns: its number (0 for nil).
    private static func listen(_ progress: (@Sendable (CallProgress) -> Void)?) -> UInt64 {
        guard let progress else { return 0 }
        return ProgressListeners.shared.add(ProgressListener(progress))
    }

    /// Calls the entry and waits for its result's JSON bytes.
    ///
    /// Blocks the calling thread: use the `async` form from async code. The
    /// deadline is the smallest of `timeout` and the entry's own, else the
    /// host's default; a sync entry cannot be interrupted in-process.
    /// - Throws: a `CallError` with the plugin's error code and message.
    /// - Parameter progress: receives the entry's progress reports
    ///   (`neko_host.progress`), on the plugin's thread, until the call ends.
    public func callBlocking(
        _ arguments: [UInt8], timeout: Duration? = nil, progress: (@Sendable (CallProgress) -> Void)? = nil
    ) throws(CallError) -> [UInt8] {
        let outcome = arguments.withUnsafeBytes { bytes in
            withResult(of: bytes, timeout: timeout, progress: progress) { outcome in outcome.map { Array($0) } }
        }
        return try outcome.get()
    }

    /// Calls the entry and hands the borrowed result bytes (or the error) to
    /// `body`, without copying them: the zero-copy form of `callBlocking`.
    public func withResult<T>(
        of arguments: UnsafeRawBufferPointer, timeout: Duration? = nil, progress: (@Sendable (CallProgress) -> Void)? = nil,
        _ body: (Result<UnsafeRawBufferPointer, CallError>) -> T
    ) -> T {
        if checksArguments, let refusal = refusal(of: arguments) { return body(.failure(refusal)) }
        guard progress != nil else { return withResult(of: arguments, timeout: timeout, listener: 0, body) }
        let listener = Self.listen(progress)
        defer { ProgressListeners.shared.remove(listener) }
        return withResult(of: arguments, timeout: timeout, listener: listener, body)
    }

    private func withResult<T>(
        of arguments: UnsafeRawBufferPointer, timeout: Duration?, listener: UInt64,
        _ body: (Result<UnsafeRawBufferPointer, CallError>) -> T
    ) -> T {
        guard loaded.enter() else {
            // Between generations (a reload) or stopped: one retry on what serves next.
            guard let fresh = afterSwitch() else { return body(.failure(host.stopped(plugin))) }
            return fresh.withResult(of: arguments, timeout: timeout, listener: listener, body)
        }
        if !info.isAsync {
            let milliseconds = timeout == nil ? defaultDeadlineMilliseconds : host.deadline(timeout, info).abiMilliseconds
            // The closure captures nothing of `self`: copying the handle's
            // references into it cost more than the rest of a no-op call.
            let loaded = self.loaded
            let answered: T? = loaded.callInline(index, arguments: arguments, timeoutMilliseconds: milliseconds, listener: listener) { outcome in
                loaded.leave()
                guard let outcome else { return nil }
                if let code = ErrorCode(status: outcome.status) {
                    let message = outcome.withBytes { String(decoding: $0, as: UTF8.self) }
                    return body(.failure(CallError(code, message, field: outcome.field)))
                }
                return outcome.withBytes { body(.success($0)) }
            }
            if let answered { return answered }
            // It returned from invoke without completing (a plugin bug): its late completion is ignored.
            return body(.failure(host.timedOut(plugin, info, timeout == nil ? defaultDeadline : host.deadline(timeout, info))))
        }
        let id = host.newCallID()
        let deadline = timeout == nil ? defaultDeadline : host.deadline(timeout, info)
        let waiter = loaded.submit(index, callID: id, arguments: arguments, timeoutMilliseconds: deadline.abiMilliseconds, origin: .client(listener: listener))
        var outcome = waiter.wait(until: .now() + .nanoseconds(deadline.clampedNanoseconds), spinning: host.answerSpin)
        if outcome == nil {
            if waiter.finish(.failure(host.timedOut(plugin, info, deadline))) { loaded.cancel(id) }
            outcome = waiter.outcome
        }
        switch outcome! {
        case .success(let bytes): return bytes.withUnsafeBytes { body(.success($0)) }
        case .failure(let error): return body(.failure(error))
        }
    }

    /// The same entry in the generation that serves once a reload of the
    /// plugin is over, or nil when the plugin stopped (or still has this one).
    func afterSwitch() -> EntryHandle? {
        host.waitWhileSwitching(plugin, atMost: host.options.drainTimeout + .seconds(30))
        guard let fresh = try? host.entry(plugin, info.id, loadOnDemand: false), fresh.loaded !== loaded else { return nil }
        return fresh
    }

    /// Calls the entry and returns its result's JSON bytes, without blocking
    /// a thread of Swift's cooperative pool: a sync entry runs on a thread of
    /// the host's (`SyncCallThreads`), an async one is awaited. Canceling the
    /// calling task cancels a call of an async entry.
    public func call(
        _ arguments: [UInt8], timeout: Duration? = nil, progress: (@Sendable (CallProgress) -> Void)? = nil
    ) async throws(CallError) -> [UInt8] {
        if !info.isAsync {
            let outcome: CallOutcome = await withCheckedContinuation { continuation in
                SyncCallThreads.shared.run {
                    continuation.resume(returning: Result { () throws(CallError) in try callBlocking(arguments, timeout: timeout, progress: progress) })
                }
            }
            return try outcome.get()
        }
        if checksArguments, let refusal = arguments.withUnsafeBytes({ refusal(of: $0) }) { throw refusal }
        guard loaded.enter() else {
            // Between generations: wait for the switch off the pool, then call what serves next.
            let fresh = await withCheckedContinuation { continuation in
                SyncCallThreads.shared.run { continuation.resume(returning: afterSwitch()) }
            }
            guard let fresh else { throw host.stopped(plugin) }
            return try await fresh.call(arguments, timeout: timeout, progress: progress)
        }
        let id = host.newCallID()
        let deadline = timeout == nil ? defaultDeadline : host.deadline(timeout, info)
        let listener = Self.listen(progress)
        defer { ProgressListeners.shared.remove(listener) }
        let waiter = arguments.withUnsafeBytes {
            loaded.submit(index, callID: id, arguments: $0, timeoutMilliseconds: deadline.abiMilliseconds, origin: .client(listener: listener))
        }
        if let outcome = waiter.outcome { return try outcome.get() }
        // The deadline runs on a Dispatch timer, not on Swift's cooperative
        // pool: a host that keeps its pool busy must still see its deadlines.
        let timer = DispatchSource.makeTimerSource(queue: .global())
        timer.setEventHandler { [loaded, plugin, info, host] in
            if waiter.finish(.failure(host.timedOut(plugin, info, deadline))) { loaded.cancel(id) }
        }
        timer.schedule(deadline: .now() + .nanoseconds(deadline.clampedNanoseconds))
        timer.activate()
        defer { timer.cancel() }
        let outcome = await withTaskCancellationHandler {
            await waiter.value()
        } onCancel: {
            if waiter.finish(.failure(CallError(.canceled, "the caller canceled \(plugin):\(info.id)"))) { loaded.cancel(id) }
        }
        return try outcome.get()
    }
}
