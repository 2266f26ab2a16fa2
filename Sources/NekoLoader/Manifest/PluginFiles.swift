import Foundation

/// The files of a plugin folder that the plugin needs to run: `plugin.toml`,
/// its library, its settings (`config.json`), its translations
/// (`[plugin.i18n].locales_dir`) and its declared `[plugin].assets`. Not what
/// else a folder collects while the plugin is written and run: build folders
/// (`.build`, `Sources`), its data (`data/`, `*.db`), its logs.
///
/// ```swift
/// let manifest = try PluginManifest.load(folder: "~/src/greeter")
/// try PluginFiles.copy(manifest, to: "/srv/plugins/greeter")   // what `nekoctl load PATH` does without a server
/// ```
public enum PluginFiles {
    /// The paths, relative to the plugin's folder, of what it needs that
    /// exists, eg `["plugin.toml", "libgreeter.so", "config.json", "templates"]`.
    public static func needed(by manifest: PluginManifest) -> [String] {
        var paths = ["plugin.toml", manifest.library]
        if exists(manifest, "config.json") { paths.append("config.json") }
        if let locales = manifest.localization?.localesDirectory, exists(manifest, locales) { paths.append(locales) }
        for asset in manifest.assets where exists(manifest, asset) && !paths.contains(asset) { paths.append(asset) }
        return paths
    }

    /// Copies what the plugin needs (``needed(by:)``) into `target`, a folder
    /// that must not exist yet. The copy is made beside `target` and renamed
    /// into place, so a failure leaves nothing behind.
    /// - Throws: a ``LoadFailure`` naming the file that could not be copied and why.
    public static func copy(_ manifest: PluginManifest, to target: String) throws(LoadFailure) {
        let files = FileManager.default
        guard !files.fileExists(atPath: target) else {
            throw LoadFailure(.manifest, "\(target) already exists")
        }
        let parent = (target as NSString).deletingLastPathComponent
        let staging = "\(target).tmp-\(ProcessInfo.processInfo.processIdentifier)"
        do {
            try files.createDirectory(atPath: parent, withIntermediateDirectories: true)
            try? files.removeItem(atPath: staging)
            try files.createDirectory(atPath: staging, withIntermediateDirectories: false)
        } catch {
            throw LoadFailure(.manifest, "cannot create \(staging): \(error.localizedDescription)")
        }
        for path in needed(by: manifest) {
            let source = Discovery.join(manifest.folder, path)
            let destination = Discovery.join(staging, path)
            do {
                let folder = (destination as NSString).deletingLastPathComponent
                try files.createDirectory(atPath: folder, withIntermediateDirectories: true)
                try files.copyItem(atPath: source, toPath: destination)
            } catch {
                try? files.removeItem(atPath: staging)
                throw LoadFailure(.manifest, "cannot copy \(source) to \(destination): \(error.localizedDescription)")
            }
        }
        guard rename(staging, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? files.removeItem(atPath: staging)
            throw LoadFailure(.manifest, "cannot move \(staging) to \(target): \(reason)")
        }
    }

    private static func exists(_ manifest: PluginManifest, _ path: String) -> Bool {
        if case .missing = Discovery.FileStatus.of(Discovery.join(manifest.folder, path)) { return false }
        return true
    }
}
