import TOMLKit

/// `[plugin.permissions]`: what a sandboxed plugin may touch (docs/SANDBOX.md).
extension PluginManifest {
    /// `[plugin.permissions]`: what the kernel lets a plugin with
    /// `isolation = "sandbox"` do. Everything not declared is denied.
    ///
    /// ```toml
    /// [plugin.permissions]
    /// read = ["assets", "/usr/share/zoneinfo"]  # relative: inside the plugin folder
    /// write = ["cache"]                          # the data folder is always writable
    /// network = "none"                           # "none" | "loopback" | "any" | ["host:port", ...]
    /// exec = false                               # or ["/usr/bin/convert"]
    /// env = ["LANG"]                             # variables passed through from the host
    /// require_sandbox = false                    # true: refuse to run unless all of it is enforced
    /// ```
    public struct Permissions: Sendable, Equatable {
        /// `network`: where the plugin may connect.
        public enum Network: Sendable, Equatable {
            /// `"none"` (the default): no network at all (an empty network namespace).
            case none
            /// `"loopback"`: this machine (addresses are not enforced: see docs/SANDBOX.md).
            case loopback
            /// `"any"`: anywhere.
            case any
            /// `["host:port", ...]`: TCP connections to these ports only (the hosts are not enforced).
            case endpoints([Endpoint])
        }

        /// One `"host:port"` of a `network` list, eg `api.example.com:443` or `[::1]:8080`.
        public struct Endpoint: Sendable, Equatable, CustomStringConvertible {
            /// eg `"api.example.com"`, `"127.0.0.1"`, `"::1"`.
            public let host: String
            /// 1 to 65535.
            public let port: UInt16
            /// `host:port`, with brackets around an IPv6 address.
            public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
        }

        /// `read`: files and folders the plugin may read, absolute (relative ones
        /// resolved inside the plugin folder), eg `["/srv/plugins/hello/assets"]`.
        public var read: [String] = []
        /// `write`: files and folders the plugin may read and write, absolute as ``read``.
        /// The data folder is always writable and need not be listed.
        public var write: [String] = []
        /// `network` (default ``Network/none``).
        public var network: Network = .none
        /// `exec`: the programs the plugin may run, absolute paths; empty (`exec = false`, the default): none.
        public var exec: [String] = []
        /// `env`: the host's environment variables the plugin sees, eg `["LANG", "TZ"]`; no other one is passed.
        public var env: [String] = []
        /// `require_sandbox` (default `false`): refuse to start the plugin when
        /// the kernel cannot enforce all of this, rather than start it with a warning.
        public var requireSandbox = false

        /// The default permissions: nothing but the plugin's own files and data folder.
        public init() {}

        /// The permissions `nekoctl check` warns about, each as a sentence, eg
        /// `write = ["/"]: the plugin may write anywhere the user can`.
        public var broadGrants: [String] {
            var found: [String] = []
            for path in write where Self.isBroad(path) { found.append("write = [\"\(path)\"]: the plugin may write anywhere under \(path)") }
            for path in read where Self.isBroad(path) { found.append("read = [\"\(path)\"]: the plugin may read anywhere under \(path)") }
            if network == .any { found.append("network = \"any\": the plugin may connect anywhere") }
            return found
        }

        /// `/`, `/home`, `/root`, `/etc` or a home folder itself.
        static func isBroad(_ path: String) -> Bool {
            let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
            if ["/", "/home", "/root", "/etc", "/usr", "/var"].contains(trimmed) { return true }
            let parts = trimmed.split(separator: "/")
            return parts.count == 2 && parts[0] == "home"
        }
    }

    static let permissionsKeys = ["read", "write", "network", "exec", "env", "require_sandbox"]

    /// Reads `[plugin.permissions]`; nil when absent.
    static func readPermissions(_ plugin: TOMLDocument.Table, folder: String, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Permissions? {
        guard let table = try plugin.subtable("permissions") else { return nil }
        try table.checkKeys(known: permissionsKeys, strict: strict, warnings: &warnings)
        var permissions = Permissions()
        permissions.read = try readPaths(table, "read", folder: folder, warnings: &warnings)
        permissions.write = try readPaths(table, "write", folder: folder, warnings: &warnings)
        permissions.network = try readNetwork(table)
        permissions.exec = try readExec(table)
        permissions.env = try table.strings("env", "an array of environment variable names like [\"LANG\", \"TZ\"]") ?? []
        for (index, name) in permissions.env.enumerated() where !isVariableName(name) {
            throw table.failure("\(table.field("env"))[\(index)] = \(TOMLDocument.quoted(name)): expected an environment variable name (letters, digits and '_', not starting with a digit), eg \"LANG\"")
        }
        permissions.requireSandbox = try table.bool("require_sandbox") ?? false
        return permissions
    }

    /// `read` or `write`: absolute paths, or relative ones inside the plugin folder.
    private static func readPaths(_ table: TOMLDocument.Table, _ key: String, folder: String, warnings: inout [String]) throws(LoadFailure) -> [String] {
        let what = "an array of paths, relative to the plugin folder or absolute, eg [\"assets\", \"/usr/share/zoneinfo\"]"
        let paths = try table.strings(key, what) ?? []
        var resolved: [String] = []
        for (index, path) in paths.enumerated() {
            let field = "\(table.field(key))[\(index)] = \(TOMLDocument.quoted(path))"
            let parts = path.split(separator: "/", omittingEmptySubsequences: false)
            guard !path.isEmpty, !path.contains("\0"), !parts.contains("..") else {
                throw table.failure("\(field): expected a path without '..', relative to the plugin folder (eg \"assets\") or absolute (eg \"/usr/share/zoneinfo\")")
            }
            let absolute = path.hasPrefix("/") ? path : Discovery.join(folder, path)
            if case .missing = Discovery.FileStatus.of(absolute) {
                warnings.append("\(table.file): \(field): no such file or folder (\(absolute)); the sandbox cannot grant it")
            }
            resolved.append(absolute)
        }
        return resolved
    }

    private static func readNetwork(_ table: TOMLDocument.Table) throws(LoadFailure) -> Permissions.Network {
        let expected = "expected \"none\", \"loopback\", \"any\" or an array of \"host:port\" like [\"api.example.com:443\"]"
        guard let value = table.table["network"] else { return .none }
        if let text = value.string {
            switch text {
            case "none": return .none
            case "loopback": return .loopback
            case "any": return .any
            default: throw table.invalid("network", expected)
            }
        }
        guard let texts = try table.strings("network", "\"none\", \"loopback\", \"any\" or an array of \"host:port\"") else { return .none }
        var endpoints: [Permissions.Endpoint] = []
        for (index, text) in texts.enumerated() {
            guard let endpoint = parseEndpoint(text) else {
                throw table.failure("\(table.field("network"))[\(index)] = \(TOMLDocument.quoted(text)): expected \"host:port\" with a port from 1 to 65535, eg \"api.example.com:443\" or \"[::1]:8080\"")
            }
            endpoints.append(endpoint)
        }
        return .endpoints(endpoints)
    }

    /// `"host:port"` or `"[v6]:port"`; nil when malformed.
    static func parseEndpoint(_ text: String) -> Permissions.Endpoint? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        let portText = text[text.index(after: colon)...]
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), let port = UInt16(portText), port > 0 else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
            guard !host.isEmpty, host.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        } else {
            guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_") }) else { return nil }
        }
        return Permissions.Endpoint(host: host, port: port)
    }

    /// `exec`: `false`, or an array of absolute program paths.
    private static func readExec(_ table: TOMLDocument.Table) throws(LoadFailure) -> [String] {
        guard let value = table.table["exec"] else { return [] }
        if let flag = value.bool {
            guard !flag else { throw table.invalid("exec", "expected false or an array of absolute program paths like [\"/usr/bin/convert\"] (true would allow any program: list them)") }
            return []
        }
        let programs = try table.strings("exec", "false or an array of absolute program paths like [\"/usr/bin/convert\"]") ?? []
        for (index, program) in programs.enumerated() {
            let parts = program.split(separator: "/", omittingEmptySubsequences: false)
            guard program.hasPrefix("/"), !parts.contains(".."), !program.contains("\0"), !program.hasSuffix("/") else {
                throw table.failure("\(table.field("exec"))[\(index)] = \(TOMLDocument.quoted(program)): expected an absolute program path without '..', eg \"/usr/bin/convert\"")
            }
        }
        return programs
    }

    static func isVariableName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, !(first.value >= 0x30 && first.value <= 0x39) else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ($0.value >= 0x30 && $0.value <= 0x39) || $0 == "_") }
    }
}
