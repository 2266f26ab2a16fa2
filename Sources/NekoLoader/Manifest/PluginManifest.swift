import NekoABI
import NekoCore
import TOMLKit

/// A plugin's `plugin.toml`, read and validated, with its paths resolved.
///
/// Make one with ``load(folder:)``: it checks every field and that the
/// library file exists before anything is opened, because `dlopen` runs a
/// library's constructors. The fields follow N.E.K.O's manifest:
///
/// ```toml
/// [plugin]
/// id = "hello"                 # mandatory, equals the folder name
/// name = "Hello"               # mandatory
/// version = "1.2.0"            # mandatory, semver
/// abi = "1.0"                  # mandatory, the oldest host ABI the plugin runs on
/// library = "libhello.so"      # optional, default lib<id>.so, a file in the folder
/// dependencies = ["greeter"]   # optional, plugin ids loaded first
///
/// [plugin.author]              # optional
/// name = "Ada"
///
/// [plugin_runtime]             # optional, these are the defaults
/// enabled = true
/// auto_start = true
/// timeout = 10                 # startup timeout, seconds
/// startup_failure = "warn"     # warn | fail | ignore
/// priority = 0
/// isolation = "none"           # none | process (a worker process of its own)
/// memory_limit = 512           # MiB of address space, isolated only; default none
/// open_files = 256             # isolated only; default none
///
/// [greeting]                   # any other table: the plugin's own configuration
/// text = "hi"
/// ```
public struct PluginManifest: Sendable {
    /// A plugin ABI version, `MAJOR.MINOR`, eg `1.0` (docs/ABI.md, "Versioning").
    public struct ABIVersion: Sendable, Hashable, CustomStringConvertible {
        /// Changes on a break; a host refuses a plugin whose major differs from its own, eg `1`.
        public let major: UInt32
        /// Grows with additions; a host refuses a plugin whose manifest needs a greater minor than its own, eg `0`.
        public let minor: UInt32

        /// Makes a version from its two parts.
        public init(major: UInt32, minor: UInt32) {
            self.major = major
            self.minor = minor
        }

        /// The ABI this host speaks: `NEKO_ABI_VERSION_MAJOR.NEKO_ABI_VERSION_MINOR` of `neko_abi.h`.
        public static let host = ABIVersion(major: UInt32(NEKO_ABI_VERSION_MAJOR), minor: UInt32(NEKO_ABI_VERSION_MINOR))

        /// `MAJOR.MINOR`, eg `1.0`.
        public var description: String { "\(major).\(minor)" }
    }

    /// `[plugin.author]`: who wrote the plugin; every field is optional.
    public struct Author: Sendable, Equatable {
        /// eg `"Ada Lovelace"`.
        public let name: String?
        /// eg `"ada@example.com"`.
        public let email: String?
        /// eg `"https://example.com/ada"`.
        public let url: String?
    }

    /// `[plugin_runtime].startup_failure`: what the host does when the plugin fails to start.
    public enum StartupFailurePolicy: String, Sendable, Codable, CaseIterable {
        /// Keep the host running, list the plugin as failed and log a warning (the default).
        case warn
        /// Treat the failure as fatal to the host's own startup.
        case fail
        /// Keep the host running and list the plugin as failed, without a warning.
        case ignore
    }

    /// `[plugin_runtime]`: how the host runs the plugin.
    public struct Runtime: Sendable, Equatable {
        /// `enabled` (default `true`): `false` lists the plugin as disabled and never loads it.
        public let enabled: Bool
        /// `auto_start` (default `true`): start the plugin when the host starts.
        public let autoStart: Bool
        /// `timeout` (default 10 seconds): how long `start` may take, more than 0 and at most a day.
        public let startupTimeout: Duration
        /// `startup_failure` (default `.warn`).
        public let startupFailure: StartupFailurePolicy
        /// `priority` (default 0): among plugins whose dependencies are loaded, higher loads first.
        public let priority: Int
        /// `isolation` (default `.none`): `.process` runs the plugin in a worker process of its own.
        public internal(set) var isolation: Isolation = .none
        /// `memory_limit`, in MiB: the worker's address-space limit (RLIMIT_AS); nil: none.
        public var memoryLimitMiB: Int? = nil
        /// `open_files`: the worker's open-file limit (RLIMIT_NOFILE); nil: none.
        public var openFiles: Int? = nil
    }

    /// `[plugin_runtime].isolation`: where the plugin runs.
    public enum Isolation: String, Sendable, Codable, CaseIterable {
        /// In the host's process: the fastest calls; a crash of the plugin is the host's.
        case none
        /// In a worker process of its own: a crash or a hang fails only its calls, and it restarts.
        case process
    }

    /// `[plugin].id`: the plugin's unique id, equal to its folder name, eg `"hello"`.
    public let id: String
    /// `[plugin].name`: the name shown to people, eg `"Hello"`.
    public let name: String
    /// `[plugin].version`: the plugin's own semantic version, eg `"1.2.0"` or `"2.0.0-beta.1+abc"`.
    public let version: String
    /// `[plugin].description` (default `""`).
    public let description: String
    /// `[plugin].abi`: the oldest host ABI the plugin runs on, eg `1.0` (the
    /// library's descriptor says the ABI it was built with, which may be newer).
    public let abi: ABIVersion
    /// `[plugin].library`: the library's file name inside ``folder`` (default `lib<id>.so`).
    public let library: String
    /// `[plugin].dependencies`: ids of the plugins to load first, in declared order (default none).
    public let dependencies: [String]
    /// `[plugin.author]`.
    public let author: Author
    /// `[plugin_runtime]`.
    public internal(set) var runtime: Runtime
    /// Every other top-level table of `plugin.toml`: the plugin's own configuration, a JSON object.
    ///
    /// TOML strings, integers, floats, booleans, arrays and tables map to their JSON
    /// kinds; dates and times become strings in their TOML form (`"2024-05-01"`);
    /// `nan` and `inf`, which JSON cannot hold, are refused by ``load(folder:)``.
    /// Keys are in alphabetical order: the TOML parser does not keep the file's order.
    public let config: JSON
    /// The plugin's folder: absolute and standardized, eg `"/srv/plugins/hello"`.
    public let folder: String
    /// The absolute path of `plugin.toml`, eg `"/srv/plugins/hello/plugin.toml"`.
    public let manifestPath: String
    /// The absolute path of the library, eg `"/srv/plugins/hello/libhello.so"`.
    public let libraryPath: String

    // MARK: - API

    /// Reads and validates `<folder>/plugin.toml` and checks that its library file exists.
    ///
    /// Use it for one folder (`nekoctl check`); ``Discovery/scan(roots:)`` calls it
    /// for every plugin under the roots. It opens nothing but `plugin.toml`. The
    /// library's existence is not checked when `[plugin_runtime].enabled = false`,
    /// so a disabled plugin that was never built is listed as disabled, not failed.
    ///
    /// - Parameter folder: The plugin's folder, absolute or relative to the current directory.
    /// - Returns: The validated manifest.
    /// - Throws: A ``LoadFailure`` of phase ``LoadPhase/manifest`` whose message names
    ///   the file, the field, what was expected and what was found.
    public static func load(folder: String) throws(LoadFailure) -> PluginManifest {
        let folder = Discovery.absolutePath(folder)
        let file = Discovery.join(folder, "plugin.toml")
        let document = try TOMLDocument.parse(file: file)
        defer { document.root.clear() }  // TOMLKit never frees a parsed tree; clearing releases its nodes.

        let plugin = try document.table("plugin", required: "with id, name, version and abi")
        try plugin.rejectUnknownKeys(known: pluginKeys, hints: [
            "entry": "Neko loads [plugin].library, by default lib<id>.so",
            "sdk": "Neko checks [plugin].abi instead of SDK version ranges",
        ])
        let id = try plugin.required("id", "a string") { $0.string }
        let folderName = Discovery.lastComponent(folder)
        if let problem = idProblem(id) {
            throw plugin.invalid("id", problem)
        }
        guard id == folderName else {
            throw plugin.failure("\(plugin.field("id")) = \(TOMLDocument.quoted(id)) does not match the folder name \(TOMLDocument.quoted(folderName))")
        }
        let name = try plugin.required("name", "a string") { $0.string }
        guard name.contains(where: { !$0.isWhitespace }) else {
            throw plugin.invalid("name", "expected a non-empty name, eg \"Hello\"")
        }
        let version = try plugin.required("version", "a string") { $0.string }
        guard isSemanticVersion(version) else {
            throw plugin.invalid("version", "expected a semantic version like \"1.2.0\"")
        }
        let description = try plugin.optional("description", "a string") { $0.string } ?? ""
        let abiText = try plugin.required("abi", "a string like \"1.0\"") { $0.string }
        guard let abi = parseABI(abiText) else {
            throw plugin.invalid("abi", "expected \"MAJOR.MINOR\" like \"1.0\" (the oldest host ABI the plugin runs on)")
        }
        let library = try plugin.optional("library", "a file name") { $0.string } ?? "lib\(id).so"
        guard !library.isEmpty, !library.contains("/"), library != ".", library != "..", !library.contains("\0") else {
            throw plugin.invalid("library", "expected a plain file name inside the plugin folder, eg \"lib\(id).so\" (no '/' or '..')")
        }
        let dependencies = try readDependencies(plugin, id: id)
        let author = try readAuthor(plugin)
        let runtime = try readRuntime(document)
        let config = try document.configuration(excluding: ["plugin", "plugin_runtime"], manifestKeys: keyTables)

        let libraryPath = Discovery.join(folder, library)
        if runtime.enabled {
            try checkLibraryFile(libraryPath)
        }
        return PluginManifest(
            id: id, name: name, version: version, description: description, abi: abi, library: library,
            dependencies: dependencies, author: author, runtime: runtime, config: config,
            folder: folder, manifestPath: file, libraryPath: libraryPath)
    }

    /// Checks, before anything is opened, that this host can run a plugin
    /// whose manifest needs at least `manifest.abi` (``VersionRule``).
    ///
    /// The major must equal the host's; the host's minor must be at least the
    /// manifest's (a plugin built with newer headers loads on an older host
    /// as long as its manifest asks for no more than that host speaks).
    ///
    /// - Parameters:
    ///   - manifest: The validated manifest.
    ///   - hostMajor: The host's ABI major, by default `NEKO_ABI_VERSION_MAJOR`.
    ///   - hostMinor: The host's ABI minor, by default `NEKO_ABI_VERSION_MINOR`.
    /// - Throws: A ``LoadFailure`` of phase ``LoadPhase/abi`` that names plugin.toml and both versions.
    public static func checkABI(
        _ manifest: PluginManifest,
        hostMajor: UInt32 = ABIVersion.host.major,
        hostMinor: UInt32 = ABIVersion.host.minor
    ) throws(LoadFailure) {
        try VersionRule.check(manifest, host: ABIVersion(major: hostMajor, minor: hostMinor))
    }

    // MARK: - Fields

    static let pluginKeys = ["id", "name", "version", "description", "abi", "library", "dependencies", "author"]
    static let runtimeKeys = ["enabled", "auto_start", "timeout", "startup_failure", "priority", "isolation", "memory_limit", "open_files"]
    /// The table each manifest key belongs in, for a key misplaced at the top level.
    static let keyTables = Dictionary(uniqueKeysWithValues: pluginKeys.map { ($0, "plugin") } + runtimeKeys.map { ($0, "plugin_runtime") })
    static let maxIDLength = 128
    static let idCharacters = "1 to 128 of the characters A-Z a-z 0-9 _ - (a plain name, never a path)"

    /// What is wrong with `id` as a plugin id (`^[A-Za-z0-9_-]{1,128}$`), or `nil` when it is fine.
    static func idProblem(_ id: String) -> String? {
        let allowed = id.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D
        }
        if id.isEmpty || !allowed { return "expected a plugin id: \(idCharacters)" }
        if id.utf8.count > maxIDLength { return "expected a plugin id of at most \(maxIDLength) characters, found \(id.utf8.count)" }
        return nil
    }

    /// Whether `text` is `MAJOR.MINOR.PATCH`, with an optional `-prerelease` and `+build` (semver 2.0).
    static func isSemanticVersion(_ text: String) -> Bool {
        var rest = Substring(text)
        var build: Substring?
        var prerelease: Substring?
        if let plus = rest.firstIndex(of: "+") { build = rest[rest.index(after: plus)...]; rest = rest[..<plus] }
        if let dash = rest.firstIndex(of: "-") { prerelease = rest[rest.index(after: dash)...]; rest = rest[..<dash] }
        func isIdentifier(_ part: Substring) -> Bool {
            !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
        func isNumber(_ part: Substring) -> Bool {
            !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber } && (part == "0" || part.first != "0")
        }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3, core.allSatisfy(isNumber) else { return false }
        if let prerelease {
            let parts = prerelease.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ isIdentifier($0) && (!$0.allSatisfy(\.isNumber) || isNumber($0)) }) else { return false }
        }
        if let build {
            guard build.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isIdentifier) else { return false }
        }
        return true
    }

    /// Parses `"MAJOR.MINOR"`, eg `"1.0"`; `nil` for anything else.
    static func parseABI(_ text: String) -> ABIVersion? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        return ABIVersion(major: major, minor: minor)
    }

    private static func readDependencies(_ plugin: TOMLDocument.Table, id: String) throws(LoadFailure) -> [String] {
        guard let array = try plugin.optional("dependencies", "an array of plugin ids like [\"other_plugin\"]", { $0.array }) else {
            return []
        }
        var ids: [String] = []
        for (index, element) in array.enumerated() {
            let field = plugin.field("dependencies") + "[\(index)]"
            guard let dependency = element.string else {
                throw plugin.failure("\(field) = \(TOMLDocument.render(element)): expected a plugin id (a string), found \(TOMLDocument.kind(element))")
            }
            if let problem = idProblem(dependency) {
                throw plugin.failure("\(field) = \(TOMLDocument.quoted(dependency)): \(problem)")
            }
            if dependency == id {
                throw plugin.failure("\(field) = \(TOMLDocument.quoted(dependency)): a plugin cannot depend on itself")
            }
            if ids.contains(dependency) {
                throw plugin.failure("\(field) = \(TOMLDocument.quoted(dependency)): expected each plugin id once, found it twice")
            }
            ids.append(dependency)
        }
        return ids
    }

    private static func readAuthor(_ plugin: TOMLDocument.Table) throws(LoadFailure) -> Author {
        guard let author = try plugin.subtable("author") else { return Author(name: nil, email: nil, url: nil) }
        try author.rejectUnknownKeys(known: ["name", "email", "url"], hints: [:])
        return Author(
            name: try author.optional("name", "a string") { $0.string },
            email: try author.optional("email", "a string") { $0.string },
            url: try author.optional("url", "a string") { $0.string })
    }

    private static func readRuntime(_ document: TOMLDocument) throws(LoadFailure) -> Runtime {
        guard let runtime = try document.optionalTable("plugin_runtime") else {
            return Runtime(enabled: true, autoStart: true, startupTimeout: .seconds(10), startupFailure: .warn, priority: 0)
        }
        try runtime.rejectUnknownKeys(known: runtimeKeys, hints: [:])
        let seconds = try runtime.optional("timeout", "a number of seconds, eg 10") { $0.double ?? $0.int.map(Double.init) } ?? 10
        guard seconds > 0, seconds <= 86_400 else {
            throw runtime.invalid("timeout", "expected a number of seconds greater than 0 and at most 86400 (a day), eg 10")
        }
        let policyText = try runtime.optional("startup_failure", "a string") { $0.string } ?? "warn"
        guard let policy = StartupFailurePolicy(rawValue: policyText) else {
            throw runtime.invalid("startup_failure", "expected \"warn\", \"fail\" or \"ignore\"")
        }
        let isolationText = try runtime.optional("isolation", "a string") { $0.string } ?? "none"
        guard let isolation = Isolation(rawValue: isolationText) else {
            throw runtime.invalid("isolation", "expected \"none\" (in the host's process) or \"process\" (a worker process of its own)")
        }
        let memoryLimit = try runtime.optional("memory_limit", "an integer number of MiB, eg 512") { $0.int }
        if let memoryLimit, !(64...1 << 30).contains(memoryLimit) {
            throw runtime.invalid("memory_limit", "expected a number of MiB from 64 (a worker needs that much address space) to 1073741824, eg 512")
        }
        let openFiles = try runtime.optional("open_files", "an integer, eg 256") { $0.int }
        if let openFiles, !(16...1 << 20).contains(openFiles) {
            throw runtime.invalid("open_files", "expected a number of files from 16 to 1048576, eg 256")
        }
        return Runtime(
            enabled: try runtime.optional("enabled", "a boolean (true or false)") { $0.bool } ?? true,
            autoStart: try runtime.optional("auto_start", "a boolean (true or false)") { $0.bool } ?? true,
            startupTimeout: .milliseconds(Int64((seconds * 1000).rounded(.up))),
            startupFailure: policy,
            priority: try runtime.optional("priority", "an integer, eg 0") { $0.int } ?? 0,
            isolation: isolation, memoryLimitMiB: memoryLimit, openFiles: openFiles)
    }

    /// The one place that builds a ``JSON`` object: the plugin's configuration, in the given order.
    static func jsonObject(_ pairs: [(String, JSON)]) -> JSON {
        .object(JSONObject(pairs.map { (key: $0.0, value: $0.1) }))
    }

    /// Throws unless `path` is an existing regular file that this process may read.
    private static func checkLibraryFile(_ path: String) throws(LoadFailure) {
        switch Discovery.FileStatus.of(path) {
        case .regularFile:
            if let problem = Discovery.FileStatus.readProblem(path) {
                throw LoadFailure(.manifest, "\(path): cannot read the library: \(problem)")
            }
        case .missing:
            throw LoadFailure(.manifest, "\(path): library file not found (set [plugin].library or build the plugin)")
        case .directory, .other:
            throw LoadFailure(.manifest, "\(path): expected a library file, found a directory or special file (set [plugin].library)")
        case .error(let problem):
            throw LoadFailure(.manifest, "\(path): cannot read the library: \(problem)")
        }
    }
}
