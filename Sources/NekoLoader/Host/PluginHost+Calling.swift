import NekoABI
import NekoCore

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
    public func call(_ plugin: String, _ entry: String, arguments: [UInt8], timeout: Duration? = nil) async throws(CallError) -> [UInt8] {
        try await self.entry(plugin, entry).call(arguments, timeout: timeout)
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
    public func callBlocking(_ plugin: String, _ entry: String, arguments: [UInt8], timeout: Duration? = nil) throws(CallError) -> [UInt8] {
        try self.entry(plugin, entry).callBlocking(arguments, timeout: timeout)
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

    /// A call from plugin `caller` to `plugin:entry`, through `neko_host.call`.
    func forward(from caller: String, to plugin: String, entry: String, call: UnsafePointer<neko_call>) {
        var target: EntryHandle
        do {
            // Never load on demand here: the caller may be inside a lifecycle
            // call that holds the lock a load needs.
            target = try self.entry(plugin, entry, loadOnDemand: false)
        } catch {
            return Forwarding.fail(call, error)
        }
        if !target.loaded.enter() {
            // Between generations (a reload): wait for the new one.
            guard let fresh = target.afterSwitch(), fresh.loaded.enter() else { return Forwarding.fail(call, stopped(plugin)) }
            target = fresh
        }
        let requested = call.pointee.timeout_ms == 0 ? nil : Duration.milliseconds(Int64(call.pointee.timeout_ms))
        Forwarding.start(
            call, target: target.loaded, index: target.index, callID: newCallID(),
            deadline: deadline(requested, target.info), description: "\(plugin):\(entry) (called by \(caller))")
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
