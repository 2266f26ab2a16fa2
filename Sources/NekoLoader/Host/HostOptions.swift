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
