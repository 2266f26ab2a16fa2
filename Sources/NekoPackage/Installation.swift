import Foundation
import NekoLoader

/// Installs packages into a plugin root, atomically: `nekoctl install`,
/// `rollback`, `uninstall`.
///
/// A package is verified and extracted into `ROOT/.neko/staging/`, fsynced,
/// then renamed into `ROOT/<id>`; the version it replaces moves to
/// `ROOT/.neko/previous/<id>` (for ``rollback(_:)``). The plugin's `data/` and
/// `config.json` move with the current version. Discovery skips `.neko`, as it
/// holds no `plugin.toml` of its own.
public struct Installation: Sendable {
    /// The plugin root, eg `./plugins`.
    public let root: String

    /// Installs into `root` (made if needed).
    public init(root: String) {
        self.root = (root as NSString).standardizingPath
    }

    /// What `install` did.
    public struct Outcome: Sendable {
        /// The verified package.
        public let verification: Verification
        /// The version it replaced, if any.
        public let replaced: String?
    }

    /// Verifies and installs the package at `path`.
    /// - Parameters:
    ///   - requireTrusted: refuse a package not signed by a key in `trust`.
    ///   - downgrade: allow a version older than the installed one.
    /// - Throws: on any problem; the root is then as it was.
    public func install(package path: String, trust: TrustStore, requireTrusted: Bool = false, downgrade: Bool = false,
                        limits: PackageLimits = PackageLimits()) throws(PackageError) -> Outcome {
        let lock = try RootLock(root: root)
        defer { withExtendedLifetime(lock) {} }
        let staging = try makeStaging()
        defer { removeStaging(staging) }
        let verification = try PackageVerifier.verify(path: path, trust: trust, requireTrusted: requireTrusted,
                                                      limits: limits, into: staging)
        let record = verification.record
        let fresh = staging + "/" + record.id
        guard record.target == LibraryTarget.host else {
            throw PackageError("\(path): \(record.id) is built for \(record.target); this host is \(LibraryTarget.host)")
        }
        do {
            try PluginManifest.checkABI(try PluginManifest.load(folder: fresh))
        } catch {
            throw PackageError("\(path): \(error.message)")
        }
        let current = folder(record.id)
        var replaced: String?
        if let installed = try? PluginManifest.load(folder: current) {
            replaced = installed.version
            if let old = SemanticVersion(installed.version), let new = SemanticVersion(record.version), new < old, !downgrade {
                throw PackageError("\(path): \(record.id) \(record.version) is older than the installed \(installed.version): add --downgrade to install it anyway")
            }
            if let info = try? InstalledPlugin.read(folder: current), let fingerprint = info.fingerprint {
                let incoming: String? = switch verification.signer {
                case .unsigned: nil
                case .trusted(_, let print), .untrusted(_, let print): print
                }
                guard incoming == fingerprint else {
                    throw PackageError("\(path): \(record.id) is installed from a package signed by \(info.signer ?? "?") (\(fingerprint)); this one is \(verification.signer): refused (uninstall \(record.id) first if you mean to switch signers)")
                }
            }
        }
        let origin = InstalledPlugin.Origin(packageHash: verification.packageHash, signer: verification.signer)
        try SafeFile.createNew(fresh + "/" + InstalledPlugin.originPath, contents: origin.encoded(), mode: 0o644)
        SafeFile.syncFolder(fresh)
        try swapIn(fresh, for: record.id, keepPrevious: true)
        return Outcome(verification: verification, replaced: replaced)
    }

    /// Goes back to the version the last install replaced; the current one becomes the previous.
    /// - Returns: the version now installed.
    @discardableResult
    public func rollback(_ id: String) throws(PackageError) -> String {
        let previous = previousFolder(id)
        guard FileManager.default.fileExists(atPath: previous + "/plugin.toml") else {
            throw PackageError("\(id): no previous version to roll back to (\(previous) does not exist)")
        }
        let lock = try RootLock(root: root)
        defer { withExtendedLifetime(lock) {} }
        let staging = try makeStaging()
        defer { removeStaging(staging) }
        let moved = staging + "/" + id
        try move(previous, to: moved)
        do {
            try swapIn(moved, for: id, keepPrevious: true)
        } catch {
            try? move(moved, to: previous)
            throw error
        }
        return (try? PluginManifest.load(folder: folder(id)).version) ?? "?"
    }

    /// Removes an installed plugin and its previous version; its `data/` and
    /// `config.json` stay in `ROOT/<id>` unless `purge`.
    public func uninstall(_ id: String, purge: Bool) throws(PackageError) {
        let current = folder(id)
        guard FileManager.default.fileExists(atPath: current + "/plugin.toml") else {
            throw PackageError("\(id): not installed in \(root) (no \(current)/plugin.toml)")
        }
        let lock = try RootLock(root: root)
        defer { withExtendedLifetime(lock) {} }
        let staging = try makeStaging()
        defer { removeStaging(staging) }
        let trash = staging + "/removed"
        if purge {
            try move(current, to: trash)
        } else {
            let kept = staging + "/" + id
            try? FileManager.default.createDirectory(atPath: kept, withIntermediateDirectories: true)
            try carryOver(from: current, to: kept)
            try move(current, to: trash)
            try move(kept, to: current)
        }
        try? FileManager.default.removeItem(atPath: previousFolder(id))
        SafeFile.syncFolder(root)
    }

    /// What the installed plugin `id` records: its package's record, hash and signer.
    public func installed(_ id: String) throws(PackageError) -> InstalledPlugin {
        guard let info = try InstalledPlugin.read(folder: folder(id)) else {
            throw PackageError("\(id): \(folder(id)) was not installed from a package (no \(EntryPath.record))")
        }
        return info
    }

    /// Checks every file of the installed plugin `id` against its record, but
    /// those the user may edit (``PackageRecord/userEditable``).
    /// - Throws: naming the first file that is missing or changed.
    public func checkFiles(_ id: String) throws(PackageError) {
        let info = try installed(id)
        for file in info.record.files where !PackageRecord.userEditable.contains(file.path) {
            let path = folder(id) + "/" + file.path
            guard FileManager.default.fileExists(atPath: path) else { throw PackageError("\(path): missing (it is in the record)") }
            let digest = try FileDigest.of(file: path)
            guard digest.sha256 == file.sha256, digest.size == file.size else {
                throw PackageError("\(path): changed since install: sha256 \(digest.sha256), the record says \(file.sha256)")
            }
        }
    }

    /// `ROOT/<id>`.
    public func folder(_ id: String) -> String { root + "/" + id }

    /// `ROOT/.neko/previous/<id>`: the version the last install replaced.
    public func previousFolder(_ id: String) -> String { root + "/.neko/previous/" + id }

    /// Puts `fresh` at `ROOT/<id>`: the current version's data/ and config.json
    /// move into it first, and the current version moves to previous (or is removed).
    private func swapIn(_ fresh: String, for id: String, keepPrevious: Bool) throws(PackageError) {
        let current = folder(id)
        let previous = previousFolder(id)
        let hasCurrent = FileManager.default.fileExists(atPath: current)
        if hasCurrent {
            try carryOver(from: current, to: fresh)
            let displaced = (fresh as NSString).deletingLastPathComponent + "/displaced"
            do {
                try? FileManager.default.createDirectory(atPath: root + "/.neko/previous", withIntermediateDirectories: true)
                if FileManager.default.fileExists(atPath: previous) { try move(previous, to: displaced) }
                try move(current, to: previous)
            } catch {
                try? carryOver(from: fresh, to: current)
                if FileManager.default.fileExists(atPath: displaced) { try? move(displaced, to: previous) }
                throw error
            }
            do {
                try move(fresh, to: current)
            } catch {
                try? move(previous, to: current)
                try? carryOver(from: fresh, to: current)
                if FileManager.default.fileExists(atPath: displaced) { try? move(displaced, to: previous) }
                throw error
            }
            // A folder left by `uninstall` (data only) is not a version to keep.
            if !FileManager.default.fileExists(atPath: previous + "/plugin.toml") { try? FileManager.default.removeItem(atPath: previous) }
        } else {
            try move(fresh, to: current)
        }
        SafeFile.syncFolder(root)
    }

    /// Moves `data/` and `config.json` from `source` into `target`, replacing `target`'s config.json.
    private func carryOver(from source: String, to target: String) throws(PackageError) {
        for name in ["data", "config.json"] where FileManager.default.fileExists(atPath: source + "/" + name) {
            if name == "config.json" { unlink(target + "/config.json") }
            try move(source + "/" + name, to: target + "/" + name)
        }
    }

    private func move(_ from: String, to: String) throws(PackageError) {
        guard rename(from, to) == 0 else {
            throw PackageError("cannot move \(from) to \(to): \(String(cString: strerror(errno)))")
        }
    }

    /// Removes a staging folder, and `ROOT/.neko/staging` and `ROOT/.neko` if
    /// that leaves them empty: a refused install leaves a new root as it was.
    private func removeStaging(_ staging: String) {
        try? FileManager.default.removeItem(atPath: staging)
        rmdir(root + "/.neko/staging")
        rmdir(root + "/.neko")
    }

    /// A new empty folder under `ROOT/.neko/staging`, on the root's file system
    /// so that renames are atomic. What an earlier run left there (it crashed:
    /// the caller holds the root's lock, so no other run is using it) is removed first.
    private func makeStaging() throws(PackageError) -> String {
        let parent = root + "/.neko/staging"
        for name in (try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? [] {
            try? FileManager.default.removeItem(atPath: parent + "/" + name)
        }
        do {
            try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
        } catch {
            throw PackageError("cannot create \(parent): \(error.localizedDescription)")
        }
        var template = Array((parent + "/XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            throw PackageError("cannot make a folder in \(parent): \(String(cString: strerror(errno)))")
        }
        return String(cString: made)
    }
}
