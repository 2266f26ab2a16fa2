/// What `PluginCheck.run(folder:)` found in a plugin folder that passed.
public struct PluginCheck: Sendable {
    /// The validated manifest.
    public let manifest: PluginManifest
    /// The entries the library registers.
    public let entries: [EntryInfo]
    /// The Swift compiler that built the library, or nil for a plugin with no Swift.
    public let swiftVersion: String?
    /// What built the descriptor, eg "NekoPlugin 0.1.0" or "c".
    public let sdk: String
    /// Files others could change, reported instead of refused (`insecurePermissions`).
    public var insecureFiles: [String] = []
    /// What the user should know that did not stop it: the manifest's
    /// ``PluginManifest/warnings``, any ``insecureFiles``, and each broad
    /// permission of its `[plugin.permissions]` (``PluginManifest/Permissions/broadGrants``).
    public var warnings: [String] {
        manifest.warnings + insecureFiles.map { "insecure permissions: \($0)" }
            + (manifest.permissions?.broadGrants.map { "\(manifest.manifestPath): [plugin.permissions] \($0)" } ?? [])
    }

    /// Checks a plugin folder the way a host would load it, short of running
    /// it: the manifest, the ABI range, the library file, its symbol, its
    /// descriptor (ABI, Swift version, id, version, entries). No instance is
    /// created and no entry is called; opening the library does run its
    /// constructors, as any `dlopen` does.
    /// - Parameters:
    ///   - folder: The plugin folder.
    ///   - strict: Refuse an unknown manifest key instead of warning (`--strict`).
    ///   - cacheDirectory: Where the private copy of the library goes.
    ///   - insecurePermissions: Report files others can change as warnings
    ///     instead of failing (``HostOptions/insecurePermissions``).
    /// - Returns: the findings, or the first failure with its phase.
    public static func run(folder: String, strict: Bool = false, cacheDirectory: String = HostOptions.defaultCacheDirectory(),
                           insecurePermissions: Bool = false) -> Result<PluginCheck, LoadFailure> {
        do throws(LoadFailure) {
            let manifest = try PluginManifest.load(folder: folder, strict: strict)
            try PluginManifest.checkABI(manifest)
            let problems = StrictModes.problems(of: manifest)
            if !problems.isEmpty && !insecurePermissions {
                throw LoadFailure(.open, problems.joined(separator: "; ") + " (others could run code in the host)")
            }
            let copy = try LibraryCopy.make(of: manifest.libraryPath, pluginID: manifest.id, in: cacheDirectory)
            let library = try PluginLibrary.open(copy, for: manifest, hostName: "nekoctl check")
            var check = PluginCheck(manifest: manifest, entries: library.entries, swiftVersion: library.swiftVersion, sdk: library.sdk)
            check.insecureFiles = problems
            return .success(check)
        } catch {
            return .failure(error)
        }
    }
}
