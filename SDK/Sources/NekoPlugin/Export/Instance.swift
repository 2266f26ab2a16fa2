import Synchronization
import NekoABI
import NekoCore

/// A running plugin as the C thunks see it: the non-generic face of
/// `Instance<P>`, reached through the `void *instance` of neko_abi.h.
class AnyInstance: @unchecked Sendable {
    // Subclasses hold only immutable, Sendable state.
    func invoke(_ call: UnsafePointer<neko_call>) {}
    func start() throws {}
    func stop() {}
    func cancel(_ id: UInt64) {}
    func tick(_ index: Int) {}
    var settings: (any SettingsStore)? { nil }
    /// The saved state as JSON bytes, or nil for a plugin that keeps none.
    func saveState() throws -> [UInt8]? { nil }
    func restoreState(_ bytes: UnsafeRawBufferPointer) throws {}
}

/// One instance of plugin type `P`, made by `create`, freed by `destroy`.
final class Instance<P: Plugin>: AnyInstance, @unchecked Sendable {
    let plugin: P
    let context: PluginContext
    let entries: [Entry<P>]
    /// The entries' runners alone, bound to `plugin`: what `invoke` needs,
    /// without copying an `Entry`. Of a type that does not depend on `P`, so
    /// that calling one looks up no generic function type at run time.
    let runners: ContiguousArray<@Sendable (UnsafeRawBufferPointer, CallCompletion) -> Void>
    /// Whether each entry is async (its context is a task-local, not this thread's).
    let asynchronous: ContiguousArray<Bool>
    let timers: [IntervalTimer<P>]
    let tasks = CallTasks()
    /// Set once by `stop`, so that a second `stop` does nothing (neko_abi.h).
    private let stopped = Atomic<Bool>(false)

    init(host: HostTable) throws {
        let entries = P.entries
        self.entries = entries
        asynchronous = ContiguousArray(entries.map(\.isAsync))
        timers = P.timers
        try Self.check(entries)
        context = PluginContext(host: host)
        let plugin = try P(context: context)
        self.plugin = plugin
        runners = ContiguousArray(entries.map { entry in
            let run = entry.run
            return { arguments, completion in run(plugin, arguments, completion) }
        })
    }

    /// Refuses entries declared wrong: a duplicate id, an empty one, or a
    /// declared schema that is not JSON.
    private static func check(_ entries: [Entry<P>]) throws(CallError) {
        var seen = Set<String>()
        for entry in entries {
            if let problem = entry.problem { throw CallError(.internal, problem) }
            if entry.id.isEmpty { throw CallError(.internal, "an entry of \(P.self) has an empty id") }
            if !seen.insert(entry.id).inserted {
                throw CallError(.internal, "entry id '\(entry.id)' is declared twice in \(P.self).entries")
            }
        }
        var timerIDs = Set<String>()
        for timer in P.timers where !timerIDs.insert(timer.id).inserted {
            throw CallError(.internal, "timer id '\(timer.id)' is declared twice in \(P.self).timers")
        }
    }

    override func invoke(_ call: UnsafePointer<neko_call>) {
        let completion = CallCompletion(call: call, tasks: tasks, host: context.host)
        let index = Int(call.pointee.entry_index)
        guard index < runners.count else {
            return completion.fail(CallError(.notFound, "no entry at index \(index): the plugin has \(runners.count)"))
        }
        let arguments = UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len)
        if asynchronous[index] {
            // Its context is bound in its task; hide any call this thread serves
            // (an outer sync entry's) while the task runs its first part here.
            ServingCall.hiding { runners[index](arguments, completion) }
        } else {
            // `CallContext.current` of a sync entry.
            ServingCall.serving(call, host: context.host) { runners[index](arguments, completion) }
        }
    }

    override func start() throws {
        try blocking { try await self.plugin.startup() }
    }

    override func stop() {
        guard stopped.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged else { return }
        tasks.cancelAll()
        // A completion must never outlive the instance (neko_abi.h).
        if !tasks.waitUntilIdle(atMost: .seconds(5)) {
            context.logger.error("async calls still running 5 s after they were canceled at stop")
        }
        try? blocking { await self.plugin.shutdown() }
    }

    override func cancel(_ id: UInt64) {
        tasks.cancel(id)
    }

    override func saveState() throws -> [UInt8]? {
        guard let stateful = plugin as? any StatefulPlugin else { return nil }
        return try StateHandover.save(stateful)
    }

    override func restoreState(_ bytes: UnsafeRawBufferPointer) throws {
        guard let stateful = plugin as? any StatefulPlugin else { return }
        try StateHandover.restore(bytes, into: stateful, pluginID: context.pluginID)
    }

    override var settings: (any SettingsStore)? {
        context.settings.withLock { $0 }
    }

    override func tick(_ index: Int) {
        guard index < timers.count else { return }
        let timer = timers[index]
        do {
            try blocking { try await timer.run(self.plugin) }
        } catch {
            context.logger.error("timer '\(timer.id)' failed: \(error)")
        }
    }

    /// Runs an async hook to its end on the host's lifecycle thread.
    private func blocking(_ body: @escaping @Sendable () async throws -> Void) throws {
        try LifecycleExecutor().run(body)
    }
}
