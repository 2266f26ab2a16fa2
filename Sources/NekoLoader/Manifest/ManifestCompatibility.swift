import TOMLKit

/// What a plugin needs from its surroundings: `[plugin.sdk]`, `[[plugin.dependency]]`,
/// and the N.E.K.O `entry` key that Neko answers with a shared library.
extension PluginManifest {
    /// One `[[plugin.dependency]]`: a plugin this one needs, loaded first, and the versions of it that it accepts.
    ///
    /// ```toml
    /// [[plugin.dependency]]
    /// id = "timer_service"
    /// supported = ">=1.0.0,<3.0.0"
    /// untested = ">=3.0.0,<4.0.0"
    /// ```
    public struct DependencyRequirement: Sendable, Equatable {
        /// `id`: the plugin needed, eg `"timer_service"`.
        public let id: String
        /// The versions of it this plugin accepts (checked when the host plans its loads).
        public let versions: VersionRequirement
        /// `conflicts = true`: this plugin cannot run beside `id` (it does not need it).
        public let isConflict: Bool
    }

    static let sdkKeys = ["recommended", "supported", "untested", "conflicts"]
    static let dependencyKeys = ["id", "entry", "custom_event", "providers"] + sdkKeys

    /// `[plugin.sdk]`, or nil when absent.
    static func readSDK(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> VersionRequirement? {
        guard let table = try plugin.subtable("sdk") else { return nil }
        try table.checkKeys(known: sdkKeys, strict: strict, warnings: &warnings)
        return try readVersions(table)
    }

    /// The four range keys of a table.
    private static func readVersions(_ table: TOMLDocument.Table) throws(LoadFailure) -> VersionRequirement {
        VersionRequirement(
            recommended: try table.range("recommended"), supported: try table.range("supported"),
            untested: try table.range("untested"), conflicts: try table.ranges("conflicts"))
    }

    /// Every `[[plugin.dependency]]`, in the file's order.
    static func readDependencyRequirements(_ plugin: TOMLDocument.Table, id: String, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> [DependencyRequirement] {
        var requirements: [DependencyRequirement] = []
        for table in try plugin.tables("dependency") ?? [] {
            try table.checkKeys(known: dependencyKeys, strict: strict, warnings: &warnings)
            for key in ["entry", "custom_event", "providers"] where table.table[key] != nil {
                throw table.invalid(key, "Neko finds a dependency by its plugin id only: name the plugin that provides it, eg id = \"timer_service\"")
            }
            let dependency = try table.required("id", "a plugin id, eg \"timer_service\"") { $0.string }
            if let problem = idProblem(dependency) { throw table.invalid("id", problem) }
            if dependency == id { throw table.invalid("id", "a plugin cannot depend on itself") }
            if requirements.contains(where: { $0.id == dependency }) {
                throw table.invalid("id", "expected each plugin once in [[plugin.dependency]], found it twice")
            }
            let isConflict = table.table["conflicts"]?.bool
            if isConflict == false {
                throw table.invalid("conflicts", "expected true (this plugin cannot run beside it), a version range or an array of ranges")
            }
            let versions = isConflict == true
                ? VersionRequirement(recommended: try table.range("recommended"), supported: try table.range("supported"), untested: try table.range("untested"))
                : try readVersions(table)
            requirements.append(DependencyRequirement(id: dependency, versions: versions, isConflict: isConflict == true))
        }
        return requirements
    }

    /// Checks `[plugin].entry`: N.E.K.O's `module:Class` names Python code, which Neko cannot load.
    ///
    /// With `library` set, `entry` is kept for N.E.K.O and not used. Without it, a
    /// Python entry is refused with what to add instead.
    static func checkEntry(_ plugin: TOMLDocument.Table, id: String, hasLibrary: Bool) throws(LoadFailure) {
        guard let entry = try plugin.optional("entry", "a string", { $0.string }), !hasLibrary else { return }
        let what = entry.contains(":") ? "a Python entry (module:Class); Neko loads a shared library instead" : "Neko does not use entry: it loads a shared library"
        throw plugin.invalid("entry", """
            \(what): build the plugin as lib\(id).so (`nekoctl new \(id)` makes a Swift package with NekoPlugin; \
            or compile C against neko_abi.h with cc -shared -fPIC) and add library = "lib\(id).so" to [plugin]
            """)
    }
}
