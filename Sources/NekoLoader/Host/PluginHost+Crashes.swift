#if canImport(Glibc)
import Glibc
#endif
import Dispatch
@_spi(Neko) import NekoCore

extension PluginHost {
    /// The manifest as this host runs it: `isolateAll` makes every plugin
    /// isolated (a sandboxed one stays sandboxed).
    func applyingHostPolicy(_ manifest: PluginManifest) -> PluginManifest {
        guard options.isolateAll, manifest.runtime.isolation == .none else { return manifest }
        var isolated = manifest
        isolated.runtime.isolation = .process
        return isolated
    }

    /// Watches the worker of an isolated plugin that just came up: if it
    /// dies, the plugin is marked `crashed` and restarted.
    func watchWorker(_ id: String, _ plugin: LoadedPlugin) {
        plugin.library.worker?.onUnexpectedExit { [weak self] exit in
            self?.workerDied(id, plugin, exit)
        }
    }

    /// A worker died: its calls in flight have failed with `plugin_crashed`.
    /// Marks the plugin `crashed` and restarts it after the policy's delay,
    /// or marks it `failed` after too many crashes.
    private func workerDied(_ id: String, _ plugin: LoadedPlugin, _ exit: WorkerExit) {
        let policy = options.restartPolicy
        let restart: (delay: Duration, generation: Int)? = registry.withLock { registry in
            guard let index = registry.byID[id], registry.records[index].loaded === plugin else { return nil }
            let now = ContinuousClock.now
            var record = registry.records[index]
            record.crashTimes = record.crashTimes.filter { now - $0 < policy.window } + [now]
            record.lastCrash = "\(exit)"
            record.loaded = nil
            registry.loadOrder.removeAll { $0 == id }
            let crashes = record.crashTimes.count
            defer { registry.records[index] = record }
            if crashes > policy.maximumCrashes {
                record.move(to: .failed(LoadFailure(.startup, "its worker process crashed \(crashes) times within \(policy.window), last: \(exit); it stays down until it is reloaded")), logger: logger)
                return nil
            }
            record.move(to: .crashed("\(exit)"), logger: logger)
            return (policy.delay(afterCrash: crashes), record.generation)
        }
        // What is left of the dead generation: its timers and its gate.
        DetachedThread.start { plugin.stopAndDestroy(drain: .zero) }
        guard let restart else {
            if registry.withLock({ $0.record(id)?.loaded == nil }) {
                logger.error("\(id) crashed too often; it stays down until reload", metadata: ["plugin": "\(id)"])
            }
            return
        }
        logger.warning("\(id) crashed (\(exit)); restarting in \(restart.delay.millisecondsText)", metadata: ["plugin": "\(id)"])
        // A thread of its own, not Dispatch's pool, which grows only about once
        // a second when its threads block: a busy host would restart late.
        // It waits on a condition that `shutdown` signals, not in a sleep: a
        // host shutting down does not wait for the delay.
        let due = ContinuousClock.now + restart.delay
        DetachedThread.start { [weak self] in
            guard let closing = self?.closing else { return }
            if closing.wait(until: due, for: { self?.closed.load(ordering: .acquiring) ?? true }) { return }
            self?.restartAfterCrash(id, generation: restart.generation)
        }
    }

    /// Brings a crashed plugin back, unless something else (a reload, an
    /// unload, shutdown) took over meanwhile.
    private func restartAfterCrash(_ id: String, generation: Int) {
        guard !closed.load(ordering: .acquiring) else { return }
        withLifecycle {
            // Again under the lock: a shutdown may have come first.
            guard !closed.load(ordering: .acquiring) else { return }
            let restarting = registry.withLock { registry -> Bool in
                guard let index = registry.byID[id], case .crashed = registry.records[index].state,
                      registry.records[index].generation == generation else { return false }
                return registry.records[index].move(to: .restarting, logger: logger)
            }
            guard restarting else { return }
            _ = loadLocked(id)  // `restarting` -> `loaded` counts the restart (Record.move)
        }
    }
}
