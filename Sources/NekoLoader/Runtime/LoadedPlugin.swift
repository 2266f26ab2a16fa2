#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// A plugin instance that is up: its library, its instance pointer and its
/// host table, and the two ways to call it.
final class LoadedPlugin: @unchecked Sendable {
    // Immutable after init; the instance pointer is used per neko_abi.h's thread rules.
    let manifest: PluginManifest
    let library: PluginLibrary
    let binding: HostBinding
    let instance: UnsafeMutableRawPointer
    /// How long open, register, create and start took.
    let loadDuration: Duration
    /// The instance's interval timers.
    let timers: TimerRunner

    init(manifest: PluginManifest, library: PluginLibrary, binding: HostBinding, instance: UnsafeMutableRawPointer, loadDuration: Duration) {
        self.manifest = manifest
        self.library = library
        self.binding = binding
        self.instance = instance
        self.loadDuration = loadDuration
        let ticking = InstancePointer(instance)
        let descriptor = library
        timers = TimerRunner(plugin: manifest.id, timers: library.timers) { index in
            descriptor.descriptor.pointee.on_timer?(ticking.pointer, UInt32(index))
        }
    }

    /// Calls in flight times two, plus one once the plugin is closing: a call
    /// enters only while the low bit is clear, so none starts after `close`.
    private let gate = Atomic<Int>(0)
    /// Signaled when the last call leaves a closing plugin, for `close`.
    private let drained = LockAndCondition()

    var descriptor: UnsafePointer<neko_plugin> { library.descriptor }

    /// Admits a call. - Returns: false once the plugin is closing.
    func enter() -> Bool {
        let before = gate.wrappingAdd(2, ordering: .acquiring).oldValue
        if before & 1 == 0 { return true }
        leave()
        return false
    }

    /// Ends a call admitted by `enter`, when the plugin has completed it.
    /// The last call to leave a closing plugin wakes `close` (one compare
    /// on the fast path otherwise).
    func leave() {
        if gate.wrappingSubtract(2, ordering: .acquiringAndReleasing).newValue == 1 { drained.notifyAll() }
    }

    /// Adds a share to a call already admitted (so the instance cannot go
    /// away), whether or not the plugin is closing: held while `invoke`
    /// runs, since a plugin may complete a call before `invoke` returns.
    private func hold() {
        gate.wrappingAdd(2, ordering: .acquiring)
    }

    /// Runs `invoke` with a share of its own, released when it returns.
    func invoke(_ call: UnsafePointer<neko_call>) {
        hold()
        descriptor.pointee.invoke(instance, call)
        leave()
    }

    /// Asks the plugin to cancel call `callID`, if the instance is still
    /// running (a canceled call may complete, and the instance go, meanwhile).
    func cancel(_ callID: UInt64) {
        guard enter() else { return }
        descriptor.pointee.cancel?(instance, callID)
        leave()
    }

    /// Admits calls again after a `close` that led nowhere (a reload that failed).
    func reopen() {
        gate.bitwiseAnd(~1, ordering: .acquiringAndReleasing)
    }

    /// The plugin's state, from `save_state`, or nil when it keeps none.
    /// Call with no call in flight. [lifecycle]
    func saveState() throws(LoadFailure) -> [UInt8]? {
        guard let save = descriptor.pointee.save_state else { return nil }
        var error = neko_error.empty
        var status = Int32(NEKO_OK)
        let bytes = ByteSink.collect { sink in status = save(instance, sink, &error) }
        guard status == Int32(NEKO_OK) else {
            throw LoadFailure(.startup, "save_state of the running generation failed (\(ErrorCode(status: status) ?? .internal)): \(error.text)")
        }
        return bytes
    }

    /// Hands `state` to this (not yet started) instance. [lifecycle]
    func restoreState(_ state: [UInt8]) throws(LoadFailure) {
        guard let restore = descriptor.pointee.restore_state else { return }
        var error = neko_error.empty
        let status = state.withUnsafeBufferPointer { restore(instance, $0.baseAddress, $0.count, &error) }
        guard status == Int32(NEKO_OK) else {
            throw LoadFailure(.startup, "restore_state failed (\(ErrorCode(status: status) ?? .internal)): \(error.text)")
        }
    }

    /// Stops admitting calls and waits (on a condition the last call to
    /// leave signals) until those in flight are completed, at most `limit`.
    /// - Returns: whether none is left.
    func close(waitingAtMost limit: Duration) -> Bool {
        gate.bitwiseOr(1, ordering: .acquiringAndReleasing)
        return drained.wait(until: ContinuousClock.now + limit) { gate.load(ordering: .acquiring) <= 1 }
    }

    /// Calls a sync entry on this thread for a client and hands `body` the
    /// outcome, or nil when the plugin did not complete the call by its deadline.
    func callInline<T>(
        _ index: Int, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32, listener: UInt64,
        _ body: (InlineCall.Outcome?) -> T
    ) -> T {
        InlineCall.run(
            descriptor, instance, ledger: binding.ledger, entryIndex: UInt32(index), arguments: arguments,
            timeoutMilliseconds: timeoutMilliseconds, listener: listener, body)
    }

    /// Starts a call of an async entry; the waiter receives its outcome.
    func submit(_ index: Int, callID: UInt64, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32, origin: CallOrigin) -> CallWaiter {
        let waiter = CallWaiter(owner: self)
        waiter.submit(entryIndex: UInt32(index), callID: callID, arguments: arguments, timeoutMilliseconds: timeoutMilliseconds, origin: origin) {
            invoke($0)
        }
        return waiter
    }

    /// Stops the timers (waiting for a tick in progress), lets calls in
    /// flight finish (at most `drain`), runs the plugin's
    /// shutdown hook and frees the instance. An instance with calls still in
    /// flight after `drain` is stopped but never freed: freeing it under a
    /// running call would crash the host. [lifecycle]
    /// - Returns: whether the instance was freed.
    @discardableResult
    func stopAndDestroy(drain: Duration) -> Bool {
        timers.stopAll()
        var drained = close(waitingAtMost: drain)
        descriptor.pointee.stop?(instance)
        // `stop` must complete the calls the plugin still held.
        if !drained { drained = close(waitingAtMost: .milliseconds(100)) }
        if drained {
            descriptor.pointee.destroy(instance)
        } else if let worker = library.worker {
            // Isolated: ending the process ends its calls (they fail as crashed).
            worker.expectExit()
            worker.kill(because: "calls were still in flight after \(drain) when it was stopped")
        } else {
            // Kept for good: its host table must outlive whatever still runs in it.
            _ = Unmanaged.passRetained(self)
        }
        return drained
    }
}
