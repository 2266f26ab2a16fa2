#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

extension PluginHost {
    /// The outcome of a successful `reload`.
    public struct ReloadReport: Sendable {
        /// The generation now serving.
        public let generation: Int
        /// From the start of the reload to the new generation serving.
        public let duration: Duration
        /// The size of the state the old generation handed to the new one.
        public let stateBytes: Int
    }

    /// Reloads a plugin from its folder, now, without failing a call.
    ///
    /// The new generation is opened from a fresh private copy and checked
    /// (manifest, ABI, entries) beside the old one. Then the old one stops
    /// admitting calls (new ones wait, they do not fail) and its calls in
    /// flight finish; its state is saved (`StatefulPlugin`), handed to the new
    /// instance, which starts; new calls go to it; the old one's timers and
    /// `shutdown` end it. If any step fails, the old generation serves on and
    /// the failure is kept in `status.lastReload`, naming the step. A plugin
    /// that is not running is simply loaded.
    @discardableResult
    public func reload(_ id: String) -> Result<ReloadReport, LoadFailure> {
        guard !closed.load(ordering: .acquiring) else {
            return .failure(LoadFailure(.startup, "plugin '\(id)' cannot reload: the host has shut down"))
        }
        guard !isInsideLifecycle else {
            return .failure(LoadFailure(.startup, "plugin '\(id)' cannot reload from inside a plugin's lifecycle call"))
        }
        return withLifecycle { reloadLocked(id) }
    }

    /// Stops a plugin: new calls get `not_found` at once, calls in flight
    /// finish (at most `drainTimeout`), then its `shutdown` runs. `load` or
    /// `reload` brings it back.
    /// - Throws: `not_found` when no folder provides it.
    public func unload(_ id: String) throws(CallError) {
        let outcome = withLifecycle { () -> Result<Bool, CallError> in
            let found = registry.withLock { registry -> (Bool, LoadedPlugin?) in
                guard let index = registry.byID[id] else { return (false, nil) }
                let loaded = registry.records[index].loaded
                registry.records[index].loaded = nil
                registry.records[index].move(to: loaded == nil ? .stopped : .stopping, logger: logger)
                registry.loadOrder.removeAll { $0 == id }
                return (true, loaded)
            }
            guard found.0 else { return .failure(CallError(.notFound, "no plugin '\(id)' to unload")) }
            if let loaded = found.1 {
                if !loaded.stopAndDestroy(drain: options.drainTimeout) {
                    logger.warning("\(id) still had calls in flight after \(options.drainTimeout); its instance is stopped but kept", metadata: ["plugin": "\(id)"])
                }
                registry.withLock { registry in
                    if let index = registry.byID[id] { registry.records[index].move(to: .stopped, logger: logger) }
                }
            }
            return .success(found.1 != nil)
        }
        if try outcome.get() { logger.info("unloaded \(id)", metadata: ["plugin": "\(id)"]) }
    }

    /// Adds a plugin folder from anywhere ("load unpacked") and loads it.
    /// - Returns: the plugin's id, or why it could not be added or loaded.
    @discardableResult
    public func load(folder: String) -> Result<String, LoadFailure> {
        let manifest: PluginManifest
        do { manifest = applyingHostPolicy(try PluginManifest.load(folder: folder, strict: options.strictManifests)) } catch { return .failure(error) }
        let id = manifest.id
        let added: LoadFailure? = withLifecycle {
            registry.withLock { registry in
                if let index = registry.byID[id] {
                    let other = registry.records[index]
                    if other.discovered.folder != manifest.folder, other.loaded != nil {
                        return LoadFailure(.manifest, "plugin '\(id)' is already loaded from \(other.discovered.folder)")
                    }
                    registry.records[index] = Registry.Record(
                        discovered: DiscoveredPlugin(folder: manifest.folder, id: id, root: parentFolder(manifest.folder), manifest: .success(manifest)),
                        state: other.loaded == nil ? .unloaded : other.state, loaded: other.loaded, library: other.library,
                        generation: other.generation, lastReload: other.lastReload)
                    return nil
                }
                registry.byID[id] = registry.records.count
                registry.records.append(Registry.Record(
                    discovered: DiscoveredPlugin(folder: manifest.folder, id: id, root: parentFolder(manifest.folder), manifest: .success(manifest)),
                    state: .unloaded))
                return nil
            }
        }
        if let added { return .failure(added) }
        announce(folder: manifest.folder)
        return load(id).map { id }
    }

    // MARK: - Internal

    private func reloadLocked(_ id: String) -> Result<ReloadReport, LoadFailure> {
        guard let record = registry.withLock({ $0.record(id) }) else {
            return .failure(LoadFailure(.manifest, "no plugin '\(id)' to reload"))
        }
        guard let old = record.loaded else {
            registry.withLock { registry in
                guard let index = registry.byID[id] else { return }
                switch registry.records[index].state {
                case .failed, .crashed: registry.records[index].move(to: .unloaded, logger: logger)
                default: break
                }
            }
            return loadLocked(id).map { _ in
                ReloadReport(generation: registry.withLock { $0.record(id)?.generation ?? 0 }, duration: .zero, stateBytes: 0)
            }
        }
        let start = ContinuousClock.now
        registry.withLock { registry in
            if let index = registry.byID[id] { registry.records[index].move(to: .reloading, logger: logger) }
        }
        func failed(_ failure: LoadFailure) -> Result<ReloadReport, LoadFailure> {
            let record = ReloadRecord(generation: registry.withLock { $0.record(id)?.generation ?? 0 }, duration: ContinuousClock.now - start, failure: failure, stateBytes: 0)
            registry.withLock { registry in
                guard let index = registry.byID[id] else { return }
                registry.records[index].lastReload = record
                // The old generation serves on (unless its worker died meanwhile: then it stays crashed).
                if registry.records[index].state == .reloading { registry.records[index].move(to: .loaded, logger: logger) }
            }
            logger.warning("\(id) did not reload, the running generation goes on: \(failure)", metadata: ["plugin": "\(id)"])
            return .failure(failure)
        }

        // 1. The new build, opened and checked beside the running one.
        let manifest: PluginManifest, library: PluginLibrary
        do throws(LoadFailure) {
            manifest = applyingHostPolicy(try PluginManifest.load(folder: record.discovered.folder, strict: options.strictManifests))
            guard manifest.id == id else {
                throw LoadFailure(.manifest, "\(manifest.manifestPath): [plugin].id is now '\(manifest.id)', was '\(id)'")
            }
            try PluginManifest.checkABI(manifest)
            try checkFileModes(manifest)
            if let refusal = options.libraryApproval?(manifest) { throw LoadFailure(.open, refusal) }
            let copy = try LibraryCopy.make(of: manifest.libraryPath, pluginID: id, in: options.cacheDirectory)
            library = try openLibrary(copy, for: manifest)
        } catch {
            return failed(error)
        }

        // 2. The running generation goes quiet: calls wait, in-flight ones finish.
        registry.withLock { _ = $0.switching.insert(id) }
        defer {
            registry.withLock { _ = $0.switching.remove(id) }
            switched.notifyAll()
        }
        let paused = old.timers.pause()
        func resumeOld() {
            old.reopen()
            old.timers.resume(paused)
        }
        guard old.close(waitingAtMost: options.drainTimeout) else {
            resumeOld()
            library.discard("the reload it was started for failed")
            return failed(LoadFailure(.startup, "calls to the running generation were still in flight after \(options.drainTimeout)"))
        }

        // 3. Its state goes to the new generation, which starts.
        let state: [UInt8]?
        let new: LoadedPlugin
        do throws(LoadFailure) {
            state = try old.saveState()
            new = try bringUp(manifest, library, since: start, restoring: state)
        } catch {
            resumeOld()
            library.discard("the reload it was started for failed")
            return failed(error)
        }

        // 4. New calls go to it; the old generation ends.
        let report = registry.withLock { registry -> ReloadReport in
            let index = registry.byID[id]!
            registry.records[index].loaded = new
            registry.records[index].library = library
            // The old generation's worker may have crashed meanwhile, taking the id out.
            if !registry.loadOrder.contains(id) { registry.loadOrder.append(id) }
            registry.records[index].move(to: .loaded, logger: logger)
            registry.records[index].generation += 1
            let report = ReloadReport(generation: registry.records[index].generation, duration: ContinuousClock.now - start, stateBytes: state?.count ?? 0)
            registry.records[index].lastReload = ReloadRecord(generation: report.generation, duration: report.duration, failure: nil, stateBytes: report.stateBytes)
            return report
        }
        old.stopAndDestroy(drain: .zero)
        watchWorker(id, new)
        new.timers.startAutomatic()
        logger.info("reloaded \(id): generation \(report.generation) in \(report.duration.millisecondsText)", metadata: ["plugin": "\(id)"])
        return .success(report)
    }

    private func parentFolder(_ folder: String) -> String {
        guard let slash = folder.lastIndex(of: "/"), slash != folder.startIndex else { return "/" }
        return String(folder[..<slash])
    }

    /// Waits while `id` is between generations (at most `limit`), on a
    /// condition the end of the switch signals.
    func waitWhileSwitching(_ id: String, atMost limit: Duration) {
        _ = switched.wait(until: ContinuousClock.now + limit) { !registry.withLock { $0.switching.contains(id) } }
    }
}
