import Foundation

/// Where `nekoctl` keeps the user's signing keys and trusted keys:
/// `$NEKO_HOME`, else `$XDG_CONFIG_HOME/neko`, else `~/.config/neko`.
public struct NekoHome: Sendable {
    /// The folder, eg `/home/ada/.config/neko`.
    public let path: String

    /// The folder given, or the one the environment names.
    public init(path: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let path {
            self.path = path
        } else if let home = environment["NEKO_HOME"], !home.isEmpty {
            self.path = home
        } else if let config = environment["XDG_CONFIG_HOME"], !config.isEmpty {
            self.path = config + "/neko"
        } else {
            self.path = (environment["HOME"] ?? NSHomeDirectory()) + "/.config/neko"
        }
    }

    /// The signing keys `nekoctl keygen` makes: `NAME.key` (private, 0600) and `NAME.pub`.
    public var keys: String { path + "/keys" }
    /// The public keys whose signatures are trusted: `NAME.pub`, one per signer.
    public var trusted: String { path + "/trusted" }
}
