/// A Neko plugin: one `Sendable` type whose entries the host calls by id.
///
/// Write a type that conforms, list its entries, and export it with one line:
///
/// ```swift
/// import NekoPlugin
///
/// struct Greeter: Plugin {
///     static let entries = [Entry("greet", description: "Says hello.", Greeter.greet)]
///     struct Who: Decodable { var name: String }
///     func greet(_ who: Who) -> String { "Hello, \(who.name)!" }
/// }
///
/// @c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Greeter.self) }
/// ```
///
/// The plugin's id is the manifest's (`[plugin].id` of `plugin.toml`); the
/// plugin reads it as `context.pluginID`. A plugin that needs its context
/// (config, logger, data folder) declares `init(context:)`; one that does
/// not, like this one, needs no initializer at all.
///
/// The host calls entries concurrently, from many threads, so the type must be
/// `Sendable`: the compiler then proves that entries and timers share state
/// without data races. Keep shared mutable state in a `Mutex` (from
/// `Synchronization`, which `import NekoPlugin` brings) or an actor.
public protocol Plugin: Sendable {
    /// The plugin's id, eg `"hello"`; by default `""`: the manifest's id
    /// stands (`[plugin].id` in `plugin.toml`), which is what a plugin
    /// normally wants.
    ///
    /// When set, the SDK writes it into the descriptor and the host refuses
    /// the library under a manifest with another id. A host older than the
    /// manifest-id rule requires it: it refuses a descriptor without an id
    /// (docs/ABI.md, section 3).
    static var id: String { get }

    /// The plugin's version, eg `"1.2.0"`. When set, the host refuses a
    /// library whose version differs from `plugin.toml`'s (a stale build).
    static var version: String? { get }

    /// Makes the plugin. Runs once per load, before `startup()`.
    ///
    /// A thrown error refuses the load; the host lists the plugin as failed
    /// with the error's message. By default it calls ``init()``.
    init(context: PluginContext) throws

    /// Makes a plugin that needs no context: what the default
    /// ``init(context:)`` calls. A type whose stored properties all have
    /// initial values gets one from the compiler; declare `init(context:)`
    /// instead to read config or keep the context.
    init() throws

    /// The entries the host can call, in the order `nekoctl info` shows them.
    static var entries: [Entry<Self>] { get }

    /// The interval timers the host runs for the plugin (none by default).
    static var timers: [IntervalTimer<Self>] { get }

    /// Runs after `init` and before the first call. A thrown error refuses the
    /// load (phase `startup`).
    func startup() async throws

    /// Runs once when the host stops the plugin, after the last call.
    func shutdown() async
}

// MARK: - Default implementations

extension Plugin {
    /// `""`: the manifest's id stands.
    public static var id: String { "" }

    /// Calls ``init()``.
    public init(context: PluginContext) throws {
        try self.init()
    }

    /// Refuses the load: the plugin declares neither `init(context:)` nor
    /// `init()` (reached only when a type has neither, eg a struct with a
    /// stored property that has no initial value).
    public init() throws {
        throw CallError(.internal, "\(Self.self) declares neither init(context:) nor init(): declare one of them")
    }

    /// `nil`: the manifest's version stands.
    public static var version: String? { nil }

    /// No timers.
    public static var timers: [IntervalTimer<Self>] { [] }

    /// Does nothing.
    public func startup() async throws {}

    /// Does nothing.
    public func shutdown() async {}
}
