import Dispatch
import NekoABI
import NekoCore
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
        lifecycle.locked {
            let found = Discovery.scan(roots: options.roots)
            let problems = Discovery.rootProblems(roots: options.roots)
            let plan = DependencyOrder.plan(found)
            registry.withLock { registry in
                var records: [Registry.Record] = []
                var byID: [String: Int] = [:]
                for plugin in found {
                    let state: PluginState
                    switch plugin.manifest {
                    case .failure(let failure): state = .failed(failure)
                    case .success(let manifest):
                        if let running = registry.record(manifest.id), running.loaded != nil, running.discovered.folder == plugin.folder {
                            records.append(running)
                            byID[manifest.id] = records.count - 1
                            continue
                        }
                        if !manifest.runtime.enabled { state = .disabled }
                        else if let failure = plan.failures[manifest.id] { state = .failed(failure) }
                        else { state = .unloaded }
                        byID[manifest.id] = records.count
                    }
                    records.append(Registry.Record(discovered: plugin, state: state))
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
        lifecycle.locked { loadLocked(id, chain: []) }
    }

    /// Stops every plugin (dependents first) and frees its instance. The
    /// libraries stay mapped. `messages` ends once the messages already sent
    /// are read. Safe to call twice.
    public func shutdown() {
        defer { inbox.finish() }
        lifecycle.locked {
            let running = registry.withLock { registry in
                registry.records.indices.compactMap { index -> LoadedPlugin? in
                    defer {
                        if registry.records[index].loaded != nil {
                            registry.records[index].loaded = nil
                            registry.records[index].state = .unloaded
                        }
                    }
                    return registry.records[index].loaded
                }
            }
            for plugin in running.reversed() where !plugin.stopAndDestroy(drain: options.drainTimeout) {
                logger.warning("\(plugin.manifest.id) still had calls in flight after \(options.drainTimeout); its instance is stopped but kept", metadata: ["plugin": "\(plugin.manifest.id)"])
            }
        }
    }

    // MARK: - Bringing one plugin up

    private func loadLocked(_ id: String, chain: [String]) -> Result<Void, LoadFailure> {
        guard let record = registry.withLock({ $0.record(id) }) else {
            return .failure(LoadFailure(.manifest, "no plugin '\(id)' under \(options.roots.joined(separator: ":"))"))
        }
        switch record.state {
        case .loaded: return .success(())
        case .failed(let failure): return .failure(failure)
        case .disabled: return .failure(LoadFailure(.dependencies, "plugin '\(id)' is disabled ([plugin_runtime].enabled = false)"))
        case .unloaded: break
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
        do throws(LoadFailure) {
            try PluginManifest.checkABI(manifest)
            let copy = try LibraryCopy.make(of: manifest.libraryPath, pluginID: id, in: options.cacheDirectory)
            let opened = try PluginLibrary.open(copy, for: manifest, hostName: options.hostName)
            library = opened
            let plugin = try bringUp(manifest, opened, since: start)
            setState(id, .loaded, loaded: plugin, library: opened)
            plugin.timers.startAutomatic()
            logger.info("loaded \(id) \(manifest.version) in \(plugin.loadDuration)", metadata: ["plugin": "\(id)"])
            return .success(())
        } catch {
            setState(id, .failed(error), loaded: nil, library: library)
            if manifest.runtime.startupFailure != .ignore {
                logger.warning("\(id) failed to load: \(error)", metadata: ["plugin": "\(id)"])
            }
            return .failure(error)
        }
    }

    /// Makes the data folder, creates the instance and runs `start`, bounded by
    /// the manifest's startup timeout.
    private func bringUp(_ manifest: PluginManifest, _ library: PluginLibrary, since start: ContinuousClock.Instant) throws(LoadFailure) -> LoadedPlugin {
        let dataFolder = options.dataRoot.map { "\($0)/\(manifest.id)" } ?? manifest.folder
        if let problem = Folders.make(dataFolder) {
            throw LoadFailure(.startup, "\(dataFolder): cannot create the data folder: \(problem)")
        }
        let binding = HostBinding(core: self, manifest: manifest, dataFolder: dataFolder, hostName: options.hostName)
        let startup = Startup()
        DispatchQueue.global().async {
            let descriptor = library.descriptor
            var error = neko_error.empty
            guard let instance = descriptor.pointee.create(binding.table, &error) else {
                return startup.finish(.failure(LoadFailure(.startup, "create failed: \(error.text)")))
            }
            let status = descriptor.pointee.start?(instance, &error) ?? Int32(NEKO_OK)
            guard status == Int32(NEKO_OK) else {
                descriptor.pointee.destroy(instance)
                let code = ErrorCode(status: status) ?? .internal
                return startup.finish(.failure(LoadFailure(.startup, "startup failed (\(code)): \(error.text)")))
            }
            startup.finish(.success(InstancePointer(instance)))
        }
        let timeout = manifest.runtime.startupTimeout
        guard let outcome = startup.wait(timeout) else {
            throw LoadFailure(.startup, "startup did not finish within \(timeout) ([plugin_runtime].timeout in \(manifest.manifestPath))")
        }
        let instance = try outcome.get()
        return LoadedPlugin(manifest: manifest, library: library, binding: binding, instance: instance.pointer, loadDuration: ContinuousClock.now - start)
    }

    private func setState(_ id: String, _ state: PluginState, loaded: LoadedPlugin?, library: PluginLibrary?) {
        registry.withLock { registry in
            guard let index = registry.byID[id] else { return }
            registry.records[index].state = state
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

/// The outcome of create + start, handed from the startup thread to the loader.
private final class Startup: Sendable {
    private let outcome = Mutex<Result<InstancePointer, LoadFailure>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func finish(_ result: Result<InstancePointer, LoadFailure>) {
        outcome.withLock { $0 = result }
        done.signal()
    }

    func wait(_ timeout: Duration) -> Result<InstancePointer, LoadFailure>? {
        let (seconds, attoseconds) = timeout.components
        let nanoseconds = Int(clamping: seconds) &* 1_000_000_000 &+ Int(attoseconds / 1_000_000_000)
        guard done.wait(timeout: .now() + .nanoseconds(nanoseconds)) == .success else { return nil }
        return outcome.withLock { $0 }
    }
}

extension neko_error {
    /// The plugin's message, or a note that it gave none.
    var text: String {
        let message = withUnsafeBytes(of: self.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return message.isEmpty ? "(the plugin gave no message)" : message
    }
}
