import NekoABI
@_spi(Neko) import NekoCore

extension PluginHost {
    /// Resolves `plugin:entry` once, for calls without a lookup each time.
    /// Loads the plugin first if it is `unloaded` (`auto_start = false`).
    /// - Throws: `not_found` naming what is missing and what exists, or
    ///   `unavailable` with the reason a plugin is not running.
    public func entry(_ plugin: String, _ entry: String) throws(CallError) -> EntryHandle {
        try self.entry(plugin, entry, loadOnDemand: true)
    }

    func entry(_ plugin: String, _ entry: String, loadOnDemand: Bool) throws(CallError) -> EntryHandle {
        let loaded = try running(plugin, loadOnDemand: loadOnDemand)
        guard let index = loaded.library.index[entry] else {
            let known = loaded.library.entries.map(\.id).joined(separator: ", ")
            throw CallError(.notFound, "plugin '\(plugin)' has no entry '\(entry)' (it has: \(known.isEmpty ? "none" : known))")
        }
        return EntryHandle(plugin: plugin, info: loaded.library.entries[index], loaded: loaded, index: index, host: self)
    }

    /// Calls `entry` of `plugin` with JSON arguments and returns the JSON
    /// bytes of its result.
    ///
    /// - Parameters:
    ///   - arguments: a JSON object, eg `Array(#"{"name":"Ada"}"#.utf8)`; empty means `{}`.
    ///   - timeout: the caller's deadline; the entry's own, if smaller, wins.
    /// - Throws: a `CallError`: the plugin's own error, or `not_found`,
    ///   `unavailable`, `timeout`, `canceled`.
    ///   - progress: receives the entry's progress reports until the call ends.
    public func call(
        _ plugin: String, _ entry: String, arguments: [UInt8], timeout: Duration? = nil,
        progress: (@Sendable (CallProgress) -> Void)? = nil
    ) async throws(CallError) -> [UInt8] {
        try await self.entry(plugin, entry).call(arguments, timeout: timeout, progress: progress)
    }

    /// Calls an entry with `Encodable` arguments and decodes its result.
    ///
    /// ```swift
    /// let greeting = try await host.call("hello", "greet", ["name": "Ada"], as: Greeting.self)
    /// ```
    public func call<Result: Decodable>(
        _ plugin: String, _ entry: String, _ arguments: some Encodable, timeout: Duration? = nil, as type: Result.Type = Result.self
    ) async throws -> Result {
        let bytes = try await call(plugin, entry, arguments: NekoJSONEncoder().encode(arguments), timeout: timeout)
        return try NekoJSONDecoder().decode(Result.self, from: bytes)
    }

    /// The blocking form of `call(_:_:arguments:timeout:)`, for threads that
    /// are not in Swift concurrency.
    public func callBlocking(
        _ plugin: String, _ entry: String, arguments: [UInt8], timeout: Duration? = nil,
        progress: (@Sendable (CallProgress) -> Void)? = nil
    ) throws(CallError) -> [UInt8] {
        try self.entry(plugin, entry).callBlocking(arguments, timeout: timeout, progress: progress)
    }

    // MARK: - Internal

    /// The loaded plugin with this id, loading it on first use when it is
    /// `unloaded` (and `loadOnDemand`).
    func running(_ id: String, loadOnDemand: Bool = true) throws(CallError) -> LoadedPlugin {
        if closed.load(ordering: .acquiring) { throw CallError(.unavailable, "plugin '\(id)' is unavailable: the host has shut down") }
        let (record, failedFolder) = registry.withLock { ($0.record(id), $0.failedFolder(id)) }
        if let loaded = record?.loaded { return loaded }
        guard let record else {
            if let failedFolder, case .failed(let failure) = failedFolder.state {
                throw CallError(.unavailable, "plugin '\(id)' failed to load (\(failure))")
            }
            let known = registry.withLock { $0.byID.keys.sorted() }.joined(separator: ", ")
            throw CallError(.notFound, "no plugin '\(id)' (installed: \(known.isEmpty ? "none" : known))")
        }
        switch record.state {
        case .failed(let failure):
            throw CallError(.unavailable, "plugin '\(id)' failed to load (\(failure))")
        case .disabled:
            throw CallError(.unavailable, "plugin '\(id)' is disabled ([plugin_runtime].enabled = false)")
        case .crashed(let how):
            throw CallError(.crashed, "plugin '\(id)' crashed (\(how)) and is restarting; try again shortly")
        case .restarting:
            throw CallError(.crashed, "plugin '\(id)' crashed and is restarting; try again shortly")
        case .stopped, .stopping:
            throw CallError(.notFound, "plugin '\(id)' was unloaded (load or reload brings it back)")
        case .loaded, .unloaded, .loading, .reloading:
            guard loadOnDemand else {
                throw CallError(.unavailable, "plugin '\(id)' is not running; a plugin can call only plugins that are loaded (list it in [plugin].dependencies to load it first)")
            }
            if case .failure(let failure) = load(id) {
                throw CallError(.unavailable, "plugin '\(id)' failed to load (\(failure))")
            }
            guard let loaded = registry.withLock({ $0.record(id)?.loaded }) else {
                throw CallError(.unavailable, "plugin '\(id)' stopped while it was being called")
            }
            return loaded
        }
    }

    /// A call from the plugin of `binding` to `plugin:entry`, through `neko_host.call`.
    func forward(from binding: HostBinding, to plugin: String, entry: String, call: UnsafePointer<neko_call>) {
        let caller = binding.pluginID
        // The call it serves: the one it names (1.1), else the one whose
        // `invoke` runs on this thread, if any.
        let named = call.field(\.parent).flatMap { CallSlot.ofHostCall($0, completedBy: InlineCall.hostCompletions) }
        let parent = named ?? InlineCall.servingHere
        // Progress reports of the new call go where the parent's go.
        let origin = CallOrigin(
            caller: binding.table.pointee.plugin_id, depth: (parent?.call.pointee.depth ?? 0) + 1, parent: parent,
            listener: parent?.listener.load(ordering: .acquiring) ?? 0)
        guard origin.depth <= options.maxCallDepth else {
            let chain = (origin.chain(limit: Int(options.maxCallDepth)) + ["\(plugin):\(entry)"]).joined(separator: " → ")
            return Forwarding.fail(call, CallError(
                .unavailable, "call chain too deep: \(chain) would be call \(origin.depth) of a chain, and this host allows \(options.maxCallDepth) (HostOptions.maxCallDepth); is a plugin calling itself without end?"))
        }
        var target: EntryHandle
        do {
            // Never load on demand here: the caller may be inside a lifecycle
            // call that holds the lock a load needs.
            target = try self.entry(plugin, entry, loadOnDemand: false)
        } catch {
            return Forwarding.fail(call, error)
        }
        let description = "\(plugin):\(entry) (called by \(caller))"
        if let refusal = target.refusal(of: UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len)) {
            return Forwarding.fail(call, refusal)
        }
        let now = MonotonicClock.now()
        guard let deadline = deadline(of: call, parent: origin.parent, entry: target.info, now: now) else {
            return Forwarding.fail(call, CallError(.timeout, "\(description): the caller's deadline had passed before the call began"))
        }
        if !target.loaded.enter() {
            // Between generations (a reload): wait for the new one.
            guard let fresh = target.afterSwitch(), fresh.loaded.enter() else { return Forwarding.fail(call, stopped(plugin)) }
            target = fresh
        }
        Forwarding.start(
            call, target: target.loaded, index: target.index, callID: newCallID(), deadline: deadline.at, budget: deadline.budget, origin: origin,
            outgoing: binding.outgoing, description: description)
    }

    /// The deadline of a plugin's call: the soonest of what the caller asks
    /// (`deadline_ns`, else `timeout_ms`), its parent's deadline and the
    /// entry's own timeout, else the host's default.
    /// - Returns: the deadline (absolute, `MonotonicClock`) and the time it
    ///   leaves from `now` (for messages: exact when a timeout set it), or
    ///   nil when it has already passed.
    private func deadline(
        of call: UnsafePointer<neko_call>, parent: CallSlot?, entry: EntryInfo, now: UInt64
    ) -> (at: UInt64, budget: Duration)? {
        func from(_ deadline: UInt64) -> (UInt64, Duration) {
            (deadline, .milliseconds(Int64(clamping: (deadline &- min(deadline, now) &+ 500_000) / 1_000_000)))
        }
        func after(_ budget: Duration) -> (UInt64, Duration) {
            (now &+ UInt64(budget.clampedNanoseconds), budget)
        }
        var candidates: [(UInt64, Duration)] = []
        if call.has(\.deadline_ns), call.pointee.deadline_ns != 0 {
            // The caller's words for it, when it gave a timeout too.
            let milliseconds = call.pointee.timeout_ms
            candidates.append((call.pointee.deadline_ns, milliseconds != 0 ? .milliseconds(Int64(milliseconds)) : from(call.pointee.deadline_ns).1))
        } else if call.pointee.timeout_ms != 0 {
            candidates.append(after(.milliseconds(Int64(call.pointee.timeout_ms))))
        }
        if let inherited = parent?.call.pointee.deadline_ns, inherited != 0 { candidates.append(from(inherited)) }
        if let own = entry.timeout { candidates.append(after(own)) }
        let soonest = candidates.min { $0.0 < $1.0 } ?? after(options.defaultTimeout)
        return soonest.0 > now ? soonest : nil
    }

    /// The deadline of a call: the smaller of the caller's and the entry's,
    /// else the host's default.
    func deadline(_ requested: Duration?, _ entry: EntryInfo) -> Duration {
        switch (requested, entry.timeout) {
        case let (caller?, own?): min(caller, own)
        case let (caller?, nil): caller
        case let (nil, own?): own
        case (nil, nil): options.defaultTimeout
        }
    }

    func timedOut(_ plugin: String, _ entry: EntryInfo, _ deadline: Duration) -> CallError {
        CallError(.timeout, "\(plugin):\(entry.id) did not answer within \(deadline)")
    }

    func stopped(_ plugin: String) -> CallError {
        CallError(.unavailable, "plugin '\(plugin)' is stopping or stopped")
    }
}

extension PluginHost {
    /// Starts interval timer `timer` of loaded plugin `plugin` (one declared
    /// without auto-start, or one stopped earlier).
    /// - Throws: `not_found` naming the plugin or timer, or `unavailable`.
    public func startTimer(_ plugin: String, _ timer: String) throws(CallError) {
        let loaded = try running(plugin)
        guard let index = loaded.timers.index(of: timer) else {
            throw CallError(.notFound, "plugin '\(plugin)' has no timer '\(timer)' (it has: \(loaded.library.timers.map(\.id).joined(separator: ", ")))")
        }
        guard loaded.timers.start(index) else { throw stopped(plugin) }
    }

    /// Stops interval timer `timer` of loaded plugin `plugin`, waiting for a
    /// tick in progress to end.
    public func stopTimer(_ plugin: String, _ timer: String) throws(CallError) {
        let loaded = try running(plugin)
        guard let index = loaded.timers.index(of: timer) else {
            throw CallError(.notFound, "plugin '\(plugin)' has no timer '\(timer)'")
        }
        loaded.timers.stop(index)
    }
}
