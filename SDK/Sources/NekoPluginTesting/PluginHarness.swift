#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import NekoABI
@_spi(Neko) import NekoCore
import NekoPlugin

/// Hosts a plugin inside a unit test, without `nekoctl`, a plugin folder or
/// `dlopen`: the test links the plugin's module, and the harness drives it
/// through the same C descriptor (`create`, `start`, `invoke`, `on_timer`,
/// `stop`...) that a host drives, so what passes here passes in a host.
///
/// ```swift
/// let harness = try PluginHarness(Hello.self, manifest: HarnessManifest(id: "hello", version: "1.0.0"),
///                                  config: ["greeting": ["word": "Hi"]])
/// let greeting = try await harness.call("greet", Hello.Who(name: "Ada"), as: Hello.Greeting.self)
/// #expect(greeting.greeting == "Hi, Ada!")
/// #expect(harness.emitted == [EmittedMessage("greeted", ["name": "Ada"])])
/// ```
/// The harness gives the plugin a temporary folder (its `folder` and
/// `dataFolder`), removed when the harness goes; a clock that moves only
/// when the test says (``advance(by:)``), which runs the timer ticks that
/// fall due; and it keeps what the plugin logs, emits, reports as progress
/// and asks of other plugins (answered by ``stub(_:_:_:)``).
///
/// `init` creates and starts the plugin; ``stop()`` (or the end of the
/// harness) stops it as a host does: no new calls, the calls in flight
/// answered, the timers stopped, then `shutdown()`.
public final class PluginHarness<P: Plugin>: @unchecked Sendable {  // `state` is guarded by `lock`
    /// The manifest the plugin was loaded with.
    public let manifest: HarnessManifest
    /// The plugin's folder (`plugin.toml`'s, where `config.json` lives): a
    /// temporary folder, removed when the harness goes.
    public let folder: URL
    /// Where the plugin keeps its data (`context.dataFolder`): its folder, as a host's default.
    public var dataFolder: URL { folder }

    let host: HarnessHost
    let descriptor: CheckedDescriptor
    let lock = LockAndCondition()
    var state: State
    /// Serializes timer ticks (``advance(by:)``) with each other and with `stop`.
    let ticking = LockAndCondition()

    /// The instance and what runs in it; guarded by `lock`.
    struct State {
        /// The `void *instance` of the running generation; nil once destroyed.
        var instance: UnsafeMutableRawPointer?
        /// Whether calls and ticks are admitted (between `start` and `stop`).
        var running = false
        var nextCallID: UInt64 = 0
        /// The calls in flight, by id.
        var inFlight: Set<UInt64> = []
        /// Calls answered, kept until the harness goes: a plugin that
        /// completes a call twice then writes into live memory, and is caught.
        var answered: [HarnessCall] = []
        /// Broken promises of the ABI seen so far.
        var violations: [String] = []
        var clock: HarnessClock
    }

    /// Loads plugin type `type` as a host would: registers it, checks its
    /// descriptor against `manifest`, creates it and runs its `startup()`,
    /// then starts its auto-start timers (at time zero of the harness clock).
    ///
    /// - Parameters:
    ///   - manifest: the plugin's id and version, eg `HarnessManifest(id: "hello", version: "1.0.0")`.
    ///   - config: the plugin's own tables of `plugin.toml`, as JSON, eg
    ///     `["greeting": ["word": "Hi"]]`: what `context.config` reads.
    ///   - settings: the content of `config.json` (the plugin's settings)
    ///     before it starts, eg `["timeout": 5]`; nil: no file.
    /// - Throws: a ``HarnessLoadError`` naming the phase that failed
    ///   (`register`, `create`, `startup`) and why, as a host reports it.
    public init(_ type: P.Type, manifest: HarnessManifest, config: JSON = [:], settings: JSON? = nil) throws {
        guard case .object = config else {
            throw HarnessLoadError(phase: "manifest", "config must be a JSON object of tables, got \(config.typeName)")
        }
        let checked = try CheckedDescriptor(Exported.descriptor(hosting: P.self), manifest: manifest)
        let folder = FileManager.default.temporaryDirectory.appending(path: "neko-harness-\(manifest.id)-\(UUID().uuidString)", directoryHint: .isDirectory)
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            if let settings {
                try Data((settings.prettyPrinted() + "\n").utf8).write(to: folder.appending(path: "config.json"))
            }
        } catch {
            try? FileManager.default.removeItem(at: folder)
            throw HarnessLoadError(phase: "folder", "\(folder.path): \(error)")
        }
        self.manifest = manifest
        self.folder = folder
        descriptor = checked
        host = HarnessHost(id: manifest.id, folder: folder.path, config: config.serialized())
        state = State(clock: HarnessClock(timers: checked.timers))
        Exported.bind(UnsafePointer(host.table), to: P.self)
        let instance = try create()
        lock.locked { state.instance = instance }
        try start(instance)
    }

    deinit {
        stop()
        if let instance = lock.locked({ state.instance }) { descriptor.pointer.pointee.destroy?(instance) }
        Exported.unbind(UnsafePointer(host.table))
        try? FileManager.default.removeItem(at: folder)
    }

    // MARK: - Lifecycle

    /// Makes an instance through the descriptor's `create`.
    func create() throws -> UnsafeMutableRawPointer {
        var error = neko_error.empty
        guard let instance = descriptor.pointer.pointee.create?(UnsafePointer(host.table), &error) else {
            throw HarnessLoadError(phase: "create", error.text)
        }
        return instance
    }

    /// Runs `start`, then admits calls and starts the auto-start timers.
    /// A failed start destroys the instance.
    func start(_ instance: UnsafeMutableRawPointer, resuming timers: [Int]? = nil) throws {
        var error = neko_error.empty
        let status = descriptor.pointer.pointee.start?(instance, &error) ?? Int32(NEKO_OK)
        guard status == Int32(NEKO_OK) else {
            descriptor.pointer.pointee.destroy?(instance)
            lock.locked { state.instance = nil }
            throw HarnessLoadError(phase: "startup", error.text)
        }
        lock.locked {
            state.running = true
            state.clock.start(timers ?? descriptor.timers.indices.filter { descriptor.timers[$0].autoStart })
        }
    }

    /// Stops the plugin as a host does: admits no new call, stops its timers,
    /// waits for the calls in flight (canceling those still running after
    /// 10 seconds), then runs its `shutdown()`. Nothing runs in the plugin
    /// afterwards; a second `stop` does nothing.
    public func stop() {
        guard let instance = quiesce() else { return }
        descriptor.pointer.pointee.stop?(instance)
    }

    /// Admits no new call or tick, and waits for those in flight.
    /// - Returns: the instance, or nil when it was not running.
    /// - Parameter pausing: receives the timers that were running.
    func quiesce(pausing paused: ((([Int]) -> Void))? = nil) -> UnsafeMutableRawPointer? {
        let instance = lock.locked { () -> UnsafeMutableRawPointer? in
            guard state.running else { return nil }
            state.running = false
            return state.instance
        }
        guard let instance else { return nil }
        // A tick in progress ends before the timers stop.
        let running = ticking.locked { lock.locked { state.clock.stopAll() } }
        paused?(running)
        if !waitForCalls(until: .now + .seconds(10)) {
            for id in lock.locked({ state.inFlight }) { descriptor.pointer.pointee.cancel?(instance, id) }
            _ = waitForCalls(until: .now + .seconds(10))
        }
        return instance
    }

    private func waitForCalls(until deadline: ContinuousClock.Instant) -> Bool {
        lock.wait(until: deadline) { state.inFlight.isEmpty }
    }

    /// Reloads the plugin as a host's hot reload does: the running
    /// generation's state (a `StatefulPlugin`'s `saveState()`) goes to a new
    /// instance's `restoreState(_:)` before its `startup()`, and the timers
    /// that were running go on. If the new instance refuses the state, the
    /// old one keeps running.
    ///
    /// - Throws: a ``HarnessLoadError`` at `create`, `restore` or `startup`.
    public func reload() throws {
        var timers: [Int] = []
        guard let old = quiesce(pausing: { timers = $0 }) else {
            throw HarnessLoadError(phase: "reload", "the plugin is not running")
        }
        let plugin = descriptor.pointer.pointee
        var saved: [UInt8] = []
        var error = neko_error.empty
        if let save = plugin.save_state {
            var status = Int32(NEKO_OK)
            saved = ByteSink.collect { status = save(old, $0, &error) }
            guard status == Int32(NEKO_OK) else { try resume(old, timers, HarnessLoadError(phase: "save", error.text)) }
        }
        let new: UnsafeMutableRawPointer
        do { new = try create() } catch { try resume(old, timers, error) }
        if let restore = plugin.restore_state, !saved.isEmpty {
            error = .empty
            let status = saved.withUnsafeBufferPointer { restore(new, $0.baseAddress, $0.count, &error) }
            guard status == Int32(NEKO_OK) else {
                plugin.destroy?(new)
                try resume(old, timers, HarnessLoadError(phase: "restore", error.text))
            }
        }
        plugin.stop?(old)
        plugin.destroy?(old)
        lock.locked { state.instance = new }
        try start(new, resuming: timers)
    }

    /// Lets the old generation serve again after a failed reload, then throws `error`.
    private func resume(_ old: UnsafeMutableRawPointer, _ timers: [Int], _ error: any Error) throws -> Never {
        lock.locked {
            state.running = true
            state.clock.start(timers)
        }
        throw error
    }

    // MARK: - What the plugin did

    /// The lines the plugin logged, in order.
    public var logs: [LogLine] { host.record.withLock { $0.logs } }
    /// The messages the plugin emitted (and the harness accepted), in order.
    public var emitted: [EmittedMessage] { host.record.withLock { $0.messages } }
    /// The progress reports of the harness's calls, in order.
    public var progress: [ProgressRecord] { host.record.withLock { $0.progress } }
    /// The calls the plugin made to other plugins, in order.
    public var outgoingCalls: [OutgoingCallRecord] { host.record.withLock { $0.outgoing } }
    /// Broken promises of the ABI the harness saw (eg a call completed
    /// twice); a correct plugin leaves it empty.
    public var violations: [String] { lock.locked { state.violations } }

    /// Whether `context.emit` is refused, as a host with a full message
    /// queue refuses it (the plugin then gets `.refused`); false by default.
    public var refusesMessages: Bool {
        get { host.record.withLock { $0.refusesMessages } }
        set { host.record.withLock { $0.refusesMessages = newValue } }
    }

    /// Forgets the logs, messages, progress reports and outgoing calls kept so far.
    public func clearRecords() {
        host.record.withLock { record in
            record.logs = []
            record.messages = []
            record.progress = []
            record.outgoing = []
        }
    }

    /// Answers the plugin's calls to entry `entry` of plugin `plugin`
    /// (`context.call`) with `body`, which takes the decoded arguments; what
    /// it throws is the call's error (a `CallError` keeps its code). A call
    /// to a plugin and entry with no stub fails with `not_found`.
    ///
    /// ```swift
    /// harness.stub("cgreet", "greet") { (who: Hello.Who) in Hello.Greeting(greeting: "Hi, \(who.name)") }
    /// ```
    public func stub<Arguments: Decodable & SendableMetatype, Result: Encodable & SendableMetatype>(
        _ plugin: String, _ entry: String, _ body: @escaping @Sendable (Arguments) throws -> Result
    ) {
        let answer: @Sendable ([UInt8]) throws -> [UInt8] = { bytes in
            let arguments: Arguments
            do throws(ArgumentError) { arguments = try NekoJSONDecoder().decodeArguments(Arguments.self, from: bytes.isEmpty ? Array("{}".utf8) : bytes) } catch {
                throw CallError(.invalidArgument, error.message, field: error.field)
            }
            return try NekoJSONEncoder().encode(body(arguments))
        }
        host.record.withLock { $0.stubs["\(plugin):\(entry)"] = answer }
    }
}
