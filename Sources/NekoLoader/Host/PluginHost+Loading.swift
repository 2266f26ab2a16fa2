import Dispatch
import Logging
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

extension PluginHost {
    /// The outcome of `loadAll()`.
    public struct LoadReport: Sendable {
        /// Plugins that are now loaded, in load order.
        public let loaded: [String]
        /// Plugins that failed, with why.
        public let failed: [(id: String, failure: LoadFailure)]
        /// Failed plugins whose manifest says `startup_failure = "fail"`: the
        /// embedding application should treat the whole start as failed.
        public let fatal: [String]
    }

    /// Scans the roots and reads every manifest; opens nothing.
    /// Plugins already loaded stay loaded.
    public func discover() {
        withLifecycle {
            let found = Discovery.scan(roots: options.roots, strict: options.strictManifests).map { plugin in
                DiscoveredPlugin(folder: plugin.folder, id: plugin.id, root: plugin.root, manifest: plugin.manifest.map(applyingHostPolicy))
            }
            let problems = Discovery.rootProblems(roots: options.roots)
            let plan = DependencyOrder.plan(found)
            registry.withLock { registry in
                // A running plugin stays as it is, whatever its folder says now:
                // dropping it here would leak a live instance and its timers.
                var records = registry.records.filter { $0.loaded != nil }
                var byID: [String: Int] = [:]
                for (index, record) in records.enumerated() {
                    if case .success(let manifest) = record.discovered.manifest { byID[manifest.id] = index }
                }
                for plugin in found {
                    let state: PluginState
                    switch plugin.manifest {
                    case .failure(let failure): state = .failed(failure)
                    case .success(let manifest):
                        if byID[manifest.id] != nil { continue }
                        if !manifest.runtime.enabled { state = .disabled }
                        else if let failure = plan.failures[manifest.id] { state = .failed(failure) }
                        else { state = .unloaded }
                        byID[manifest.id] = records.count
                    }
                    var record = Registry.Record(discovered: plugin, state: state)
                    record.dependencyWarnings = plan.warnings[plugin.id] ?? []
                    records.append(record)
                }
                registry.records = records
                registry.byID = byID
                registry.rootProblems = problems
            }
        }
    }

    /// Discovers, then loads every enabled plugin with `auto_start = true`,
    /// dependencies first. A plugin that fails is listed with its phase and
    /// reason; the others still load.
    @discardableResult
    public func loadAll() -> LoadReport {
        discover()
        let order = DependencyOrder.plan(registry.withLock { $0.records.map(\.discovered) }).order
        var loaded: [String] = []
        var failed: [(String, LoadFailure)] = []
        var fatal: [String] = []
        for manifest in order where manifest.runtime.autoStart {
            switch load(manifest.id) {
            case .success: loaded.append(manifest.id)
            case .failure(let failure):
                failed.append((manifest.id, failure))
                if manifest.runtime.startupFailure == .fail { fatal.append(manifest.id) }
            }
        }
        return LoadReport(loaded: loaded, failed: failed, fatal: fatal)
    }

    /// Loads one discovered plugin (and, first, what it depends on).
    /// Loading a loaded plugin does nothing.
    @discardableResult
    public func load(_ id: String) -> Result<Void, LoadFailure> {
        guard !closed.load(ordering: .acquiring) else {
            return .failure(LoadFailure(.startup, "plugin '\(id)' cannot load: the host has shut down"))
        }
        guard !isInsideLifecycle else {
            return .failure(LoadFailure(.startup, "plugin '\(id)' cannot load from inside another plugin's create, start, stop or settings change (list it in [plugin].dependencies to load it first)"))
        }
        return withLifecycle { loadLocked(id, chain: []) }
    }

    /// Stops every plugin, in the reverse of the order they loaded (so
    /// dependents before what they depend on), and frees its instance. Each
    /// plugin serves calls until its own turn; afterwards calls get
    /// `unavailable` and nothing loads again. The libraries stay mapped.
    /// `messages` ends once the messages already sent are read. Safe to call twice.
    public func shutdown() {
        guard !closed.exchange(true, ordering: .acquiringAndReleasing) else { return }
        closing.notifyAll()
        defer { inbox.finish() }
        withLifecycle {
            let order = registry.withLock { $0.loadOrder }
            for id in order.reversed() {
                let plugin = registry.withLock { registry -> LoadedPlugin? in
                    guard let index = registry.byID[id], let plugin = registry.records[index].loaded else { return nil }
                    registry.records[index].move(to: .stopping, logger: logger)
                    return plugin
                }
                guard let plugin else { continue }
                if !plugin.stopAndDestroy(drain: options.drainTimeout) {
                    logger.warning("\(id) still had calls in flight after \(options.drainTimeout); its instance is stopped but kept", metadata: ["plugin": "\(id)"])
                }
                registry.withLock { registry in
                    guard let index = registry.byID[id] else { return }
                    registry.records[index].loaded = nil
                    registry.records[index].move(to: .unloaded, logger: logger)
                }
            }
            registry.withLock { $0.loadOrder = [] }
        }
    }

    // MARK: - Bringing one plugin up

    func loadLocked(_ id: String, chain: [String] = []) -> Result<Void, LoadFailure> {
        guard let record = registry.withLock({ $0.record(id) }) else {
            return .failure(LoadFailure(.manifest, "no plugin '\(id)' under \(options.roots.joined(separator: ":"))"))
        }
        switch record.state {
        case .loaded: return .success(())
        case .failed(let failure): return .failure(failure)
        case .disabled: return .failure(LoadFailure(.dependencies, "plugin '\(id)' is disabled ([plugin_runtime].enabled = false)"))
        case .reloading, .stopping:
            // Only under the lifecycle lock, which this thread holds: not reachable.
            return .failure(LoadFailure(.startup, "plugin '\(id)' is \(record.state.name)"))
        case .unloaded, .stopped, .crashed, .loading, .restarting: break
        }
        guard case .success(let manifest) = record.discovered.manifest else { return .success(()) }
        for dependency in manifest.dependencies {
            if case .failure(let failure) = loadLocked(dependency, chain: chain + [id]) {
                let reason = LoadFailure(.dependencies, "depends on '\(dependency)', which failed (\(failure))")
                setState(id, .failed(reason), loaded: nil, library: nil)
                return .failure(reason)
            }
        }
        let start = ContinuousClock.now
        var library: PluginLibrary?
        if record.state != .restarting { setState(id, .loading, loaded: nil, library: nil) }
        do throws(LoadFailure) {
            try PluginManifest.checkABI(manifest)
            try checkFileModes(manifest)
            if let refusal = options.libraryApproval?(manifest) { throw LoadFailure(.open, refusal) }
            let copy = try LibraryCopy.make(of: manifest.libraryPath, pluginID: id, in: options.cacheDirectory)
            let opened = try openLibrary(copy, for: manifest)
            library = opened
            let plugin = try bringUp(manifest, opened, since: start)
            setState(id, .loaded, loaded: plugin, library: opened)
            registry.withLock { registry in
                registry.loadOrder.append(id)
                if let index = registry.byID[id] { registry.records[index].generation += 1 }
            }
            watchWorker(id, plugin)
            plugin.timers.startAutomatic()
            if record.state == .restarting {
                logger.info("restarted \(id) after its crash in \(plugin.loadDuration.millisecondsText)", metadata: ["plugin": "\(id)"])
            } else {
                logger.info("loaded \(id) \(manifest.version) in \(plugin.loadDuration.millisecondsText)", metadata: ["plugin": "\(id)"])
            }
            return .success(())
        } catch {
            library?.discard("its plugin failed to load")
            setState(id, .failed(error), loaded: nil, library: library)
            if manifest.runtime.startupFailure != .ignore {
                logger.warning("\(id) failed to load: \(error)", metadata: ["plugin": "\(id)"])
            }
            return .failure(error)
        }
    }

    /// Makes the data folder, creates the instance, hands it `state` (a
    /// reload), and runs `start`, bounded by the manifest's startup timeout.
    func bringUp(_ manifest: PluginManifest, _ library: PluginLibrary, since start: ContinuousClock.Instant, restoring state: [UInt8]? = nil) throws(LoadFailure) -> LoadedPlugin {
        let dataFolder = options.dataFolder(of: manifest)
        if let problem = Folders.make(dataFolder) {
            throw LoadFailure(.startup, "\(dataFolder): cannot create the data folder: \(problem)")
        }
        let binding = HostBinding(core: self, manifest: manifest, entryIDs: library.entries.map(\.id), dataFolder: dataFolder, hostName: options.hostName, worker: library.worker)
        let startup = Startup(id: manifest.id, logger: logger)
        // A thread of its own, not Dispatch's pool: `start` may block, and
        // the pool grows slowly (about once a second) when its threads block.
        let started = DetachedThread.start {
            let descriptor = library.descriptor
            var error = neko_error.empty
            guard let instance = descriptor.pointee.create(binding.table, &error) else {
                startup.finish(.failure(LoadFailure(.startup, "create failed: \(error.text)")))
                return
            }
            if let state, let restore = descriptor.pointee.restore_state {
                let restored = state.withUnsafeBufferPointer { restore(instance, $0.baseAddress, $0.count, &error) }
                guard restored == Int32(NEKO_OK) else {
                    let code = ErrorCode(status: restored) ?? .internal
                    if startup.finish(.failure(LoadFailure(.startup, "restore_state failed (\(code)): \(error.text)"))) {
                        descriptor.pointee.destroy(instance)
                    }
                    return
                }
            }
            let status = descriptor.pointee.start?(instance, &error) ?? Int32(NEKO_OK)
            guard status == Int32(NEKO_OK) else {
                let code = ErrorCode(status: status) ?? .internal
                // An instance abandoned for overrunning its start is never destroyed (neko_abi.h).
                if startup.finish(.failure(LoadFailure(.startup, "startup failed (\(code)): \(error.text)"))) {
                    descriptor.pointee.destroy(instance)
                }
                return
            }
            startup.finish(.success(InstancePointer(instance)))
        }
        guard started else { throw LoadFailure(.startup, "cannot start a thread to create the instance: \(errnoText())") }
        let timeout = manifest.runtime.startupTimeout
        guard let outcome = startup.wait(timeout) else {
            // Abandoned: its host table must stay valid for as long as it may run.
            _ = Unmanaged.passRetained(binding)
            library.discard("start did not finish within \(timeout)")
            throw LoadFailure(.startup, "startup did not finish within \(timeout) ([plugin_runtime].timeout in \(manifest.manifestPath))")
        }
        let instance = try outcome.get()
        return LoadedPlugin(manifest: manifest, library: library, binding: binding, instance: instance.pointer, loadDuration: ContinuousClock.now - start)
    }

    /// Opens a library in this process, or in a worker process of its own
    /// when the plugin is isolated.
    /// A plugin built in another configuration than the host loads (it
    /// works), with a warning that says so.
    func openLibrary(_ copy: String, for manifest: PluginManifest) throws(LoadFailure) -> PluginLibrary {
        let library = manifest.runtime.isolation.usesWorker
            ? try PluginLibrary.openIsolated(copy, for: manifest, options: options)
            : try PluginLibrary.open(copy, for: manifest, hostName: options.hostName)
        if let problems = library.worker?.sandbox?.problems, !problems.isEmpty {
            logger.warning("\(manifest.id): sandbox: started without enforcing: \(problems.joined(separator: "; ")) (set require_sandbox = true in [plugin.permissions] to refuse instead)", metadata: ["plugin": "\(manifest.id)"])
        }
        if let mismatch = library.configurationMismatch {
            logger.warning("\(manifest.id): \(manifest.libraryPath): \(mismatch)", metadata: ["plugin": "\(manifest.id)"])
        }
        return library
    }

    private func setState(_ id: String, _ state: PluginState, loaded: LoadedPlugin?, library: PluginLibrary?) {
        registry.withLock { registry in
            guard let index = registry.byID[id] else { return }
            registry.records[index].move(to: state, logger: logger)
            registry.records[index].loaded = loaded
            if let library { registry.records[index].library = library }
        }
    }
}

/// An instance pointer carried from the startup thread.
struct InstancePointer: @unchecked Sendable {
    // Handed over once, from the thread that created it to the loader.
    let pointer: UnsafeMutableRawPointer
    init(_ pointer: UnsafeMutableRawPointer) { self.pointer = pointer }
}

/// The outcome of create + start, handed from the startup thread to the
/// loader, or left behind when the loader gave up waiting.
private final class Startup: Sendable {
    private struct State {
        var outcome: Result<InstancePointer, LoadFailure>?
        var abandoned = false
    }
    private let state = Mutex(State())
    private let done = DispatchSemaphore(value: 0)
    private let id: String
    private let logger: Logger
    private let began = ContinuousClock.now

    init(id: String, logger: Logger) {
        self.id = id
        self.logger = logger
    }

    /// Hands the outcome over. - Returns: false when the loader has given up
    /// on this startup (then nothing of the instance may be called); that
    /// late return is logged, as the last word about the instance.
    @discardableResult
    func finish(_ result: Result<InstancePointer, LoadFailure>) -> Bool {
        let taken = state.withLock { state in
            guard !state.abandoned else { return false }
            state.outcome = result
            return true
        }
        if taken {
            done.signal()
        } else {
            let outcome = switch result {
            case .success: "it succeeded, too late"
            case .failure(let failure): failure.message
            }
            logger.warning(
                "\(id): its abandoned start returned after \((ContinuousClock.now - began).wholeMilliseconds) ms (\(outcome)); the instance is left alone, never called or destroyed",
                metadata: ["plugin": "\(id)"])
        }
        return taken
    }

    /// Waits for the outcome; nil (and the startup abandoned) after `timeout`.
    func wait(_ timeout: Duration) -> Result<InstancePointer, LoadFailure>? {
        _ = done.wait(timeout: .now() + .nanoseconds(timeout.clampedNanoseconds))
        return state.withLock { state in
            if let outcome = state.outcome { return outcome }
            state.abandoned = true
            return nil
        }
    }
}

extension PluginHost {
    /// Refuses a plugin whose files others can change (``StrictModes``),
    /// or only warns with `insecurePermissions`.
    func checkFileModes(_ manifest: PluginManifest) throws(LoadFailure) {
        let problems = StrictModes.problems(of: manifest)
        guard !problems.isEmpty else { return }
        let text = problems.joined(separator: "; ")
        guard options.insecurePermissions else {
            throw LoadFailure(.open, "\(text) (others could run code in the host; --insecure-permissions loads it anyway, for development only)")
        }
        logger.warning("\(manifest.id): insecure permissions, loaded anyway: \(text)", metadata: ["plugin": "\(manifest.id)"])
    }
}
