import NekoABI
@_spi(Neko) import NekoCore
import TOMLKit

/// A plugin's `plugin.toml`, read and validated, with its paths resolved.
///
/// Make one with ``load(folder:strict:)``: it checks every field and that the
/// library file exists before anything is opened, because `dlopen` runs a
/// library's constructors. The fields follow N.E.K.O's manifest, whose
/// tables Neko accepts too (see docs/ABI.md, "The manifest"):
///
/// ```toml
/// [plugin]
/// id = "hello"                 # mandatory, equals the folder name
/// name = "Hello"               # mandatory
/// version = "1.2.0"            # mandatory, semver
/// abi = "1.0"                  # optional, default "<host major>.0": the oldest host ABI the plugin runs on
/// library = "libhello.so"      # optional, default lib<id>.so, a file in the folder
/// dependencies = ["greeter"]   # optional, plugin ids loaded first
///
/// [plugin.sdk]                 # optional: host SDK versions accepted (see VersionRequirement)
/// supported = ">=0.1,<0.3"
///
/// [plugin.author]              # optional
/// name = "Ada"
///
/// [plugin.mcp]                 # optional: the entries `nekoctl mcp` offers as tools
/// expose = true                # default true
/// hide = ["reset"]             # default none
///
/// [plugin_runtime]             # optional, these are the defaults
/// enabled = true
/// auto_start = true
/// timeout = 10                 # startup timeout, seconds
/// startup_failure = "warn"     # warn | fail | ignore
/// priority = 0
/// isolation = "none"           # none | process (a worker process of its own) | sandbox (a worker the kernel confines)
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
        /// In a worker process of its own whose files, network, programs and system
        /// calls the kernel limits to ``Permissions`` (docs/SANDBOX.md).
        case sandbox

        /// Whether the plugin runs in a worker process (`.process` or `.sandbox`).
        public var usesWorker: Bool { self != .none }
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
    /// `[plugin].assets`: files and folders inside ``folder`` that the plugin
    /// reads at run time, eg `["templates", "model.bin"]` (default none).
    /// `nekoctl load PATH` copies them with the manifest, the library and
    /// `config.json` (``PluginFiles``), and nothing else.
    public internal(set) var assets: [String] = []
    /// `[plugin.author]`.
    public let author: Author
    /// `[plugin_runtime]`.
    public internal(set) var runtime: Runtime
    /// `[plugin.permissions]`, when present: enforced when ``Runtime/isolation`` is `.sandbox`
    /// (a sandboxed plugin without the table gets `Permissions()`: nothing but its own files).
    public internal(set) var permissions: Permissions?
    /// Every other top-level table of `plugin.toml`: the plugin's config, a JSON object
    /// (read-only; not its settings, `config.json`, which `PluginHost.settings(of:)` reads).
    ///
    /// TOML strings, integers, floats, booleans, arrays and tables map to their JSON
    /// kinds; dates and times become strings in their TOML form (`"2024-05-01"`);
    /// `nan` and `inf`, which JSON cannot hold, are refused by ``load(folder:strict:)``.
    /// Keys are in alphabetical order: the TOML parser does not keep the file's order.
    public let config: JSON
    /// The plugin's folder: absolute and standardized, eg `"/srv/plugins/hello"`.
    public let folder: String
    /// The absolute path of `plugin.toml`, eg `"/srv/plugins/hello/plugin.toml"`.
    public let manifestPath: String
    /// The absolute path of the library, eg `"/srv/plugins/hello/libhello.so"`.
    public let libraryPath: String

    // MARK: N.E.K.O's keys

    /// `[plugin].short_description` (default `""`), eg `"Weather and travel advice."`.
    public internal(set) var shortDescription = ""
    /// `[plugin].keywords` (default none), eg `["weather", "travel"]`.
    public internal(set) var keywords: [String] = []
    /// `[plugin].type` (default `.plugin`).
    public internal(set) var packageType: PackageType = .plugin
    /// `[plugin].previous_ids`: the ids the plugin had before a rename, eg `["old_weather"]`.
    public internal(set) var previousIDs: [String] = []
    /// `[plugin].entry`: N.E.K.O's Python entry, kept but not used (Neko loads ``library``),
    /// eg `"plugins.weather:WeatherPlugin"`.
    public internal(set) var entry: String?
    /// `[plugin.sdk]`: the host SDK versions the plugin accepts (nil: any), checked against
    /// ``hostSDKVersion`` by ``load(folder:strict:)``.
    public internal(set) var sdk: VersionRequirement?
    /// `[[plugin.dependency]]`, in the file's order; their ids (but a `conflicts = true` one's)
    /// are in ``dependencies`` too, and their versions are checked by ``DependencyOrder/plan(_:)``.
    public internal(set) var dependencyRequirements: [DependencyRequirement] = []
    /// `[plugin.store]`, when present.
    public internal(set) var store: Store?
    /// `[plugin.database]`, when present.
    public internal(set) var database: Database?
    /// `[plugin_state]`, when present.
    public internal(set) var statePersistence: StatePersistence?
    /// `[plugin.i18n]`, when present; ``localizedText(_:)`` reads its files.
    public internal(set) var localization: Localization?
    /// `[plugin.ui]`, when present.
    public internal(set) var ui: UI?
    /// `[plugin.safety]`, when present.
    public internal(set) var safety: Safety?
    /// `[plugin.mcp]`: which entries `nekoctl mcp` offers as tools (default: all).
    public internal(set) var mcp: MCP = .exposed
    /// What the user should know that does not stop the plugin, each naming the file:
    /// an unknown key (with the nearest known one), an `untested` or not `recommended` SDK,
    /// a missing `locales_dir`. `nekoctl check`, `list` and `info` print them.
    public internal(set) var warnings: [String] = []

    // MARK: - API

    /// Reads and validates `<folder>/plugin.toml` and checks that its library file exists.
    ///
    /// Use it for one folder (`nekoctl check`); ``Discovery/scan(roots:strict:)`` calls it
    /// for every plugin under the roots. It opens nothing but `plugin.toml` (and
    /// lists `locales_dir`). The library's existence and `[plugin.sdk]` are not
    /// checked when `[plugin_runtime].enabled = false`, so a disabled plugin that
    /// was never built is listed as disabled, not failed.
    ///
    /// - Parameters:
    ///   - folder: The plugin's folder, absolute or relative to the current directory.
    ///   - strict: Refuse an unknown key instead of warning about it (`--strict`).
    /// - Returns: The validated manifest, with its ``warnings``.
    /// - Throws: A ``LoadFailure`` of phase ``LoadPhase/manifest`` whose message names
    ///   the file, the field, what was expected and what was found.
    public static func load(folder: String, strict: Bool = false) throws(LoadFailure) -> PluginManifest {
        let folder = Discovery.absolutePath(folder)
        let file = Discovery.join(folder, "plugin.toml")
        let document = try TOMLDocument.parse(file: file)
        defer { document.root.clear() }  // TOMLKit never frees a parsed tree; clearing releases its nodes.

        var warnings: [String] = []
        let plugin = try document.table("plugin", required: "with id, name and version")
        try plugin.checkKeys(known: pluginKeys, strict: strict, warnings: &warnings)
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
        guard SemanticVersion(version) != nil else {
            throw plugin.invalid("version", "expected a semantic version like \"1.2.0\"")
        }
        let description = try plugin.optional("description", "a string") { $0.string } ?? ""
        var abi = ABIVersion(major: ABIVersion.host.major, minor: 0)
        if let abiText = try plugin.optional("abi", "a string like \"1.0\"", { $0.string }) {
            guard let parsed = parseABI(abiText) else {
                throw plugin.invalid("abi", "expected \"MAJOR.MINOR\" like \"1.0\" (the oldest host ABI the plugin runs on)")
            }
            abi = parsed
        }
        let libraryField = try plugin.optional("library", "a file name") { $0.string }
        try checkEntry(plugin, id: id, hasLibrary: libraryField != nil)
        let library = libraryField ?? "lib\(id).so"
        guard !library.isEmpty, !library.contains("/"), library != ".", library != "..", !library.contains("\0") else {
            throw plugin.invalid("library", "expected a plain file name inside the plugin folder, eg \"lib\(id).so\" (no '/' or '..')")
        }
        let requirements = try readDependencyRequirements(plugin, id: id, strict: strict, warnings: &warnings)
        var dependencies = try readDependencies(plugin, id: id)
        for requirement in requirements where !requirement.isConflict && !dependencies.contains(requirement.id) {
            dependencies.append(requirement.id)
        }
        let author = try readAuthor(plugin, strict: strict, warnings: &warnings)
        let runtime = try readRuntime(document, strict: strict, warnings: &warnings)
        let config = try document.configuration(excluding: manifestTables, manifestKeys: keyTables)

        let libraryPath = Discovery.join(folder, library)
        var manifest = PluginManifest(
            id: id, name: name, version: version, description: description, abi: abi, library: library,
            dependencies: dependencies, author: author, runtime: runtime, config: config,
            folder: folder, manifestPath: file, libraryPath: libraryPath)
        manifest.assets = try readAssets(plugin, folder: folder, warnings: &warnings)
        manifest.shortDescription = try plugin.optional("short_description", "a string") { $0.string } ?? ""
        manifest.keywords = try plugin.strings("keywords", "an array of strings like [\"weather\"]") ?? []
        manifest.packageType = try plugin.choice("type", PackageType.allCases.map(\.rawValue)).flatMap { PackageType(rawValue: $0) } ?? .plugin
        manifest.previousIDs = try readPreviousIDs(plugin, id: id)
        manifest.entry = try plugin.optional("entry", "a string") { $0.string }
        manifest.sdk = try readSDK(plugin, strict: strict, warnings: &warnings)
        manifest.dependencyRequirements = requirements
        manifest.store = try readStore(plugin, strict: strict, warnings: &warnings)
        manifest.database = try readDatabase(plugin, strict: strict, warnings: &warnings)
        manifest.statePersistence = try readState(document, strict: strict, warnings: &warnings)
        manifest.localization = try readLocalization(plugin, folder: folder, strict: strict, warnings: &warnings)
        manifest.ui = try readUI(plugin, strict: strict, warnings: &warnings)
        manifest.safety = try readSafety(plugin, strict: strict, warnings: &warnings)
        manifest.permissions = try readPermissions(plugin, folder: folder, strict: strict, warnings: &warnings)
        if manifest.permissions != nil, runtime.isolation != .sandbox {
            warnings.append("\(file): [plugin.permissions] is enforced only with [plugin_runtime].isolation = \"sandbox\" (it is \"\(runtime.isolation.rawValue)\")")
        }
        manifest.mcp = try readMCP(plugin, strict: strict, warnings: &warnings)
        // N.E.K.O keys Neko accepts and does not use: only their types are checked.
        _ = try plugin.bool("passive")
        _ = try plugin.subtable("host")
        _ = try plugin.subtable("config_profiles")

        if runtime.enabled {
            try checkLibraryFile(libraryPath)
            warnings += try checkSDK(manifest)
        }
        manifest.warnings = warnings
        return manifest
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

    static let pluginKeys = [
        "id", "name", "version", "description", "abi", "library", "dependencies", "author", "assets",
        // N.E.K.O's
        "short_description", "keywords", "type", "previous_ids", "entry", "sdk", "dependency",
        "store", "database", "i18n", "ui", "safety", "passive", "host", "config_profiles",
        // Neko's own
        "permissions", "mcp",
    ]
    static let runtimeKeys = ["enabled", "auto_start", "timeout", "startup_failure", "priority", "isolation", "memory_limit", "open_files"]
    /// The top-level tables that are the manifest's, not the plugin's configuration.
    static let manifestTables = ["plugin", "plugin_runtime", "plugin_state"]
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

    /// Parses `"MAJOR.MINOR"`, eg `"1.0"`; `nil` for anything else.
    static func parseABI(_ text: String) -> ABIVersion? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
              let major = UInt32(parts[0]), let minor = UInt32(parts[1]) else { return nil }
        return ABIVersion(major: major, minor: minor)
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
