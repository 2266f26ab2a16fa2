@_spi(Neko) import NekoCore
import NekoLoader
/// One thing a ``PluginWatcher`` did, or tried to do, about a plugin.
public struct WatchEvent: Sendable, Equatable, CustomStringConvertible {
    /// What the watcher did.
    public enum Kind: String, Sendable, Equatable, CaseIterable {
        /// A running plugin's library or `plugin.toml` changed: a new generation serves.
        case reloaded
        /// A new plugin folder appeared under a root and was loaded.
        case loaded
        /// A plugin's folder was removed: the plugin was unloaded.
        case unloaded
        /// A load, reload or unload failed; the message says which and why.
        /// After a failed reload the previous generation still serves.
        case failed
    }

    /// The plugin id (its folder's name).
    public let id: String
    /// What happened.
    public let kind: Kind
    /// Details: the generation and state handed over for `.reloaded`, the
    /// folder for `.loaded` and `.unloaded`, and for `.failed` the action, the
    /// phase and the reason, eg `reload failed at abi: ...`.
    public let message: String
    /// With `.failed` from a load or reload: the step that failed.
    public let phase: LoadPhase?
    /// When the watcher finished the action.
    public let time: ContinuousClock.Instant

    /// Makes an event.
    public init(id: String, kind: Kind, message: String, phase: LoadPhase? = nil, time: ContinuousClock.Instant = .now) {
        self.id = id
        self.kind = kind
        self.message = message
        self.phase = phase
        self.time = time
    }

    /// `id kind: message`, eg `hello reloaded: generation 2 in ...`.
    public var description: String { "\(id) \(kind.rawValue): \(message)" }
}

/// Why a ``PluginWatcher`` could not start: the path it could not watch, and why.
public struct WatchError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The root (or other path) at fault.
    public let path: String
    /// What failed, eg `cannot watch: no such file or directory`.
    public let message: String

    /// Makes an error about `path`.
    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path: message`.
    public var description: String { "\(path): \(message)" }
}
