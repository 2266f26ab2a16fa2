#if canImport(Glibc)
import Glibc
#endif
import Logging

/// How a `PluginHost` finds, loads and calls plugins.
public struct HostOptions: Sendable {
    /// The plugin roots, in priority order: each holds one folder per plugin.
    /// See `Discovery.roots(explicit:environment:)` for the usual choice.
    public var roots: [String]
    /// Where private copies of plugin libraries go. Default: `$NEKO_CACHE_DIR`,
    /// else `$XDG_CACHE_HOME/neko`, else `~/.cache/neko`.
    public var cacheDirectory: String
    /// Where plugins keep their data: `<dataRoot>/<id>`. `nil` (the default):
    /// each plugin's own folder, beside its `plugin.toml`.
    public var dataRoot: String?
    /// The deadline of a call when neither the caller nor the entry sets one.
    public var defaultTimeout: Duration = .seconds(10)
    /// How long stopping a plugin waits for its calls in flight to finish.
    public var drainTimeout: Duration = .seconds(5)
    /// How many messages from plugins wait for a reader before `emit` refuses more.
    public var messageCapacity: Int = 1024
    /// The name plugins see, eg "nekoctl 0.1.0".
    public var hostName: String = "neko-host"
    /// Where the host and its plugins log.
    public var logger: Logger = Logger(label: "neko")
    /// Runs every plugin in a worker process of its own, whatever its
    /// manifest says (`nekoctl serve --isolate`).
    public var isolateAll = false
    /// Refuses to start a sandboxed plugin (`isolation = "sandbox"`) whose
    /// permissions the kernel cannot all enforce, as if each plugin.toml said
    /// `require_sandbox = true` (`nekoctl serve --require-sandbox`).
    public var requireSandbox = false
    /// Refuses a `plugin.toml` with an unknown key instead of listing it
    /// with a warning (`nekoctl --strict`).
    public var strictManifests = false
    /// The `neko-worker` executable for isolated plugins; nil: `$NEKO_WORKER`,
    /// else beside this program, else on `$PATH`.
    public var workerExecutable: String?
    /// Variables added to the workers' environment, eg
    /// `["SWIFT_BACKTRACE": "enable=no"]` to keep Swift's crash backtraces
    /// (written to the host's standard error) quiet.
    public var workerEnvironment: [String: String] = [:]
    /// The longest a thread waiting for an answer that is not there yet (an
    /// async entry's, on the blocking API; an isolated plugin's, and the
    /// worker waiting for its next call) polls before it sleeps: an answer
    /// that comes within it costs no wake-up, which on a small VM is worth
    /// tens of microseconds. The spin adapts below it (`adaptiveSpin`,
    /// docs/ISOLATION.md). Zero: sleep at once.
    public var answerSpin: Duration = .microseconds(50)
    /// Whether spins adapt: bounded by the recent answer latency, halved
    /// when a spin ends in a sleep anyway (the peer's CPU is busy), doubled
    /// when one catches the answer. False: every wait spins `answerSpin`
    /// (the fixed spin of earlier versions, kept for comparison in `make bench`).
    public var adaptiveSpin = true
    /// How long an isolated plugin may overrun a deadline before its worker
    /// is killed (a sync entry, a timer tick, `stop`, cannot be interrupted otherwise).
    public var hangGrace: Duration = .seconds(1)
    /// When a crashed isolated plugin restarts, and when it gives up.
    public var restartPolicy = RestartPolicy()
    /// The longest chain of calls a plugin call may extend: a plugin's call
    /// made while serving a call that is already this deep fails with
    /// `unavailable` naming the chain (a plugin calling itself for ever
    /// would otherwise exhaust threads or a stack).
    public var maxCallDepth: UInt32 = 16
    /// Asked before a plugin's library is copied and opened, on load and on
    /// reload: returns why the plugin is refused, or nil to go on. `nekoctl
    /// serve --require-signature` refuses a plugin not installed from a package
    /// signed by a trusted key (docs/PACKAGES.md). Default nil: no check beyond
    /// the library hash of an installed package, which is always made.
    public var libraryApproval: (@Sendable (PluginManifest) -> String?)? = nil
    /// Loads a plugin whose folder, `plugin.toml` or library is writable by
    /// group or others, or owned by another user than the host's or root,
    /// with a warning instead of refusing it (`--insecure-permissions`). Default
    /// false, as sshd's StrictModes: for development only.
    public var insecurePermissions = false

    /// Where plugin `manifest` keeps its data: `<dataRoot>/<id>`; without a
    /// data root, its own folder, or `<folder>/data` for a sandboxed plugin
    /// (which must not be able to rewrite its plugin.toml or library).
    public func dataFolder(of manifest: PluginManifest) -> String {
        if let dataRoot { return "\(dataRoot)/\(manifest.id)" }
        return manifest.runtime.isolation == .sandbox ? "\(manifest.folder)/data" : manifest.folder
    }

    /// Options for these roots, with defaults for the rest.
    public init(roots: [String]) {
        self.roots = roots
        cacheDirectory = HostOptions.defaultCacheDirectory()
    }

    /// The default library cache: `$NEKO_CACHE_DIR`, `$XDG_CACHE_HOME/neko`,
    /// `$HOME/.cache/neko`, or `/tmp/neko-cache-<uid>`.
    public static func defaultCacheDirectory() -> String {
        func variable(_ name: String) -> String? {
            guard let value = getenv(name), value.pointee != 0 else { return nil }
            return String(cString: value)
        }
        if let explicit = variable("NEKO_CACHE_DIR") { return explicit }
        if let xdg = variable("XDG_CACHE_HOME") { return "\(xdg)/neko" }
        if let home = variable("HOME") { return "\(home)/.cache/neko" }
        return "/tmp/neko-cache-\(getuid())"
    }
}

/// When an isolated plugin whose worker crashed comes back: after a delay
/// that doubles with each crash in `window`, up to `maximumDelay`; after
/// `maximumCrashes` crashes in `window` it stays `failed` until `reload`.
public struct RestartPolicy: Sendable, Equatable {
    /// The delay before the first restart.
    public var firstDelay: Duration = .milliseconds(100)
    /// The longest delay.
    public var maximumDelay: Duration = .seconds(10)
    /// How many crashes in `window` the host restarts after.
    public var maximumCrashes = 5
    /// The window crashes are counted in.
    public var window: Duration = .seconds(60)

    /// The default policy: 100 ms, doubling, at most 10 s; 5 crashes a minute.
    public init() {}

    /// The delay before restarting after the `crashes`-th crash in the window.
    public func delay(afterCrash crashes: Int) -> Duration {
        var delay = firstDelay
        for _ in 1..<max(crashes, 1) where delay < maximumDelay { delay *= 2 }
        return min(delay, maximumDelay)
    }
}
