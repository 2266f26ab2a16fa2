@_spi(Neko) import NekoCore

/// Where a plugin stands in its host.
public enum PluginState: Sendable, Equatable, CustomStringConvertible {
    /// Running: its entries can be called.
    case loaded
    /// Valid but not running (`auto_start = false`); the first call loads it.
    case unloaded
    /// `enabled = false` in its manifest: listed, never loaded.
    case disabled
    /// Unloaded on request: calls get `not_found` until it is loaded again.
    case stopped
    /// It could not be brought up; the failure names the phase and the reason.
    case failed(LoadFailure)
    /// Its worker process died (an isolated plugin); it restarts after a delay.
    /// The text says how it died, eg "SIGSEGV (Segmentation fault)".
    case crashed(String)
    /// Being opened, created and started; calls wait for the outcome.
    case loading
    /// Running, while a new generation is prepared beside it; calls go on.
    case reloading
    /// Draining its calls before `stop` (unload or shutdown); new calls are refused.
    case stopping
    /// Coming back after a crash; calls wait for the outcome.
    case restarting

    /// `loaded`, `unloaded`, `disabled`, `stopped`, `failed`, `crashed`,
    /// `loading`, `reloading`, `stopping` or `restarting`.
    public var name: String {
        switch self {
        case .loaded: "loaded"
        case .unloaded: "unloaded"
        case .disabled: "disabled"
        case .stopped: "stopped"
        case .failed: "failed"
        case .crashed: "crashed"
        case .loading: "loading"
        case .reloading: "reloading"
        case .stopping: "stopping"
        case .restarting: "restarting"
        }
    }

    /// Whether its entries can be called now (`loaded`, or `reloading`, whose
    /// old generation serves on).
    public var isRunning: Bool {
        switch self {
        case .loaded, .reloading: true
        default: false
        }
    }

    public var description: String {
        switch self {
        case .failed(let failure): "failed (\(failure))"
        case .crashed(let how): "crashed (\(how)); restarting"
        default: name
        }
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
    /// When it entered `state`, in seconds since 1970-01-01 UTC (eg 1764639600.25).
    public let stateSince: Double
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
    /// How many generations it has had: 1 after the first load, +1 per reload.
    public let generation: Int
    /// The last reload: how long it took, or why it failed (the previous
    /// generation then kept serving).
    public let lastReload: ReloadRecord?
    /// Where it runs: in the host's process or a worker process of its own.
    public let isolation: PluginManifest.Isolation
    /// The worker process's id, while an isolated plugin runs.
    public let workerPID: Int32?
    /// How many times its worker was restarted after a crash.
    public let restarts: Int
    /// How its worker last died, eg "SIGSEGV (Segmentation fault)".
    public let lastCrash: String?
    /// What its user should know that did not stop it, each naming the file: the
    /// manifest's warnings (an unknown key, an untested SDK) and its dependencies' versions.
    public let warnings: [String]
    /// How many times the running instance broke the ABI contract (eg
    /// completed a call twice); each is logged once per entry as a plugin bug.
    public let contractViolations: Int
    /// What the kernel enforces for a running sandboxed plugin; nil for any other.
    /// Its ``SandboxStatus/problems`` are in ``warnings`` too.
    public internal(set) var sandbox: SandboxStatus? = nil
}

/// What happened at a plugin's last reload.
public struct ReloadRecord: Sendable, Equatable {
    /// The generation serving after it.
    public let generation: Int
    /// From the start of the reload to the new generation serving (or the failure).
    public let duration: Duration
    /// Why it failed, naming the step; nil when it succeeded.
    public let failure: LoadFailure?
    /// The size of the state handed over, in bytes.
    public let stateBytes: Int
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
