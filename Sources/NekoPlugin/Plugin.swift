/// A Neko plugin: one `Sendable` type whose entries the host calls by id.
///
/// Write a type that conforms, list its entries, and export it with one line:
///
/// ```swift
/// import NekoPlugin
///
/// struct Greeter: Plugin {
///     static let id = "greeter"
///     struct Who: Codable, Sendable { var name: String }
///
///     init(context: PluginContext) {}
///
///     static let entries: [Entry<Greeter>] = [
///         Entry("greet", description: "Says hello.", Greeter.greet),
///     ]
///
///     func greet(_ who: Who) -> String { "Hello, \(who.name)!" }
/// }
///
/// @c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Greeter.self, host) }
/// ```
///
/// The host calls entries concurrently, from many threads, so the type must be
/// `Sendable`: the compiler then proves that entries and timers share state
/// without data races. Keep shared mutable state in a `Mutex` (from
/// `Synchronization`) or an actor.
public protocol Plugin: Sendable {
    /// The plugin's id; it must equal `[plugin].id` in `plugin.toml`, eg `"hello"`.
    static var id: String { get }

    /// The plugin's version, eg `"1.2.0"`. When set, the host refuses a
    /// library whose version differs from `plugin.toml`'s (a stale build).
    static var version: String? { get }

    /// Makes the plugin. Runs once per load, before `startup()`.
    ///
    /// A thrown error refuses the load; the host lists the plugin as failed
    /// with the error's message.
    init(context: PluginContext) throws

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
    /// `nil`: the manifest's version stands.
    public static var version: String? { nil }

    /// No timers.
    public static var timers: [IntervalTimer<Self>] { [] }

    /// Does nothing.
    public func startup() async throws {}

    /// Does nothing.
    public func shutdown() async {}
}
