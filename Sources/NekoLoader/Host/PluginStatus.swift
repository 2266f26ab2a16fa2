import NekoCore

/// Where a plugin stands in its host.
public enum PluginState: Sendable, Equatable, CustomStringConvertible {
    /// Running: its entries can be called.
    case loaded
    /// Valid but not running (`auto_start = false`); the first call loads it.
    case unloaded
    /// `enabled = false` in its manifest: listed, never loaded.
    case disabled
    /// It could not be brought up; the failure names the phase and the reason.
    case failed(LoadFailure)

    /// `loaded`, `unloaded`, `disabled` or `failed`.
    public var name: String {
        switch self {
        case .loaded: "loaded"
        case .unloaded: "unloaded"
        case .disabled: "disabled"
        case .failed: "failed"
        }
    }

    public var description: String {
        if case .failed(let failure) = self { return "failed (\(failure))" }
        return name
    }
}

/// Everything a host knows about one plugin folder.
public struct PluginStatus: Sendable {
    /// The plugin id (the folder name when the manifest could not be read).
    public let id: String
    /// The plugin's folder.
    public let folder: String
    /// The manifest, when it is valid.
    public let manifest: PluginManifest?
    /// Where it stands.
    public let state: PluginState
    /// Its entries: known once its library has been opened.
    public let entries: [EntryInfo]?
    /// Its interval timers: known once its library has been opened.
    public let timers: [TimerInfo]?
    /// The Swift compiler that built it (nil: no Swift in it, or not opened yet).
    public let swiftVersion: String?
    /// What built its descriptor, eg "NekoPlugin 0.1.0" or "c".
    public let sdk: String?
    /// How long it took to load (open, register, create, start).
    public let loadDuration: Duration?
}

/// A message a plugin sent to its host with `emit`.
public struct PluginMessage: Sendable, Equatable {
    /// The plugin that sent it, eg "hello".
    public let plugin: String
    /// What it is about, eg "greeted".
    public let topic: String
    /// Its JSON payload.
    public let payload: JSON

    /// Makes a message, eg `PluginMessage(plugin: "hello", topic: "greeted", payload: ["name": "Ada"])`.
    public init(plugin: String, topic: String, payload: JSON) {
        self.plugin = plugin
        self.topic = topic
        self.payload = payload
    }
}
