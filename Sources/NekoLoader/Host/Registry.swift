import Logging
@_spi(Neko) import NekoCore

/// What the host knows, under its registry lock.
struct Registry {
    struct Record {
        let discovered: DiscoveredPlugin
        /// Changed only by `move(to:logger:)` (PluginLifecycle.swift), which checks the move.
        private(set) var state: PluginState
        /// When `state` began, in seconds since 1970 (wall clock).
        private(set) var since: Double
        var loaded: LoadedPlugin?
        var library: PluginLibrary?
        var generation = 0
        var lastReload: ReloadRecord?
        /// When its worker crashed, within the restart policy's window.
        var crashTimes: [ContinuousClock.Instant] = []
        var restarts = 0
        var lastCrash: String?
        /// The load plan's warnings about its dependencies' versions.
        var dependencyWarnings: [String] = []

        init(
            discovered: DiscoveredPlugin, state: PluginState, since: Double = WallClock.now(), loaded: LoadedPlugin? = nil,
            library: PluginLibrary? = nil, generation: Int = 0, lastReload: ReloadRecord? = nil
        ) {
            self.discovered = discovered
            self.state = state
            self.since = since
            self.loaded = loaded
            self.library = library
            self.generation = generation
            self.lastReload = lastReload
        }

        /// Moves the plugin to `next`, when the state machine allows it, and logs
        /// the move (at debug level; an illegal move at error level, and the state
        /// stays as it was). A move from `restarting` to `loaded` counts a
        /// restart, in the same step. Wakes `waitForPlugin`.
        /// - Returns: whether the plugin moved.
        @discardableResult
        mutating func move(to next: PluginState, logger: Logger) -> Bool {
            let id = discovered.id
            guard state.allows(next) else {
                logger.error("\(id): illegal state change \(state.name) -> \(next.name) refused", metadata: ["plugin": "\(id)"])
                return false
            }
            logger.debug("\(id): \(state.name) -> \(next.description)", metadata: ["plugin": "\(id)"])
            if state == .restarting, next == .loaded { restarts += 1 }
            state = next
            since = WallClock.now()
            StatusChanges.shared.signal()
            return true
        }

        var status: PluginStatus {
            let manifest = try? discovered.manifest.get()
            let sandbox = loaded?.library.worker?.sandbox.map(SandboxStatus.init)
            return PluginStatus(
                id: manifest?.id ?? discovered.id, folder: discovered.folder, manifest: manifest, state: state, stateSince: since,
                entries: library?.entries, timers: library?.timers, swiftVersion: library?.swiftVersion, sdk: library?.sdk,
                loadDuration: loaded?.loadDuration, generation: generation, lastReload: lastReload,
                isolation: manifest?.runtime.isolation ?? .none, workerPID: loaded?.library.worker?.livePID,
                restarts: restarts, lastCrash: lastCrash,
                warnings: (manifest?.warnings ?? []) + dependencyWarnings + (sandbox?.problems.map { "sandbox: not enforced: \($0)" } ?? []),
                contractViolations: loaded?.binding.ledger.violations ?? 0, sandbox: sandbox)
        }
    }

    var records: [Record] = []
    /// Index in `records` of the folder that provides each id.
    var byID: [String: Int] = [:]
    /// The ids of the loaded plugins, in the order they loaded: they stop in reverse.
    var loadOrder: [String] = []
    /// Plugins between generations: their calls wait instead of failing.
    var switching: Set<String> = []
    var rootProblems: [String] = []

    func record(_ id: String) -> Record? {
        byID[id].map { records[$0] }
    }

    /// A folder named `id` whose manifest failed (so it provides no id).
    func failedFolder(_ id: String) -> Record? {
        records.first { $0.discovered.id == id && byID[id] == nil }
    }
}
