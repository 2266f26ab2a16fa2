import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import ZIPFoundation

/// Builds a package from a plugin folder: `nekoctl pack DIR [--sign KEY] [-o OUT]`.
///
/// The archive is reproducible: the same folder packed twice gives the same
/// bytes, whatever the files' times, owners and modes (entries sorted by path,
/// timestamps fixed at 1980-01-01, modes 0644, 0755 for the library).
public enum Packer {
    /// The timestamp every entry carries: 1980-01-01 00:00 UTC, the ZIP epoch.
    static let fixedDate = Date(timeIntervalSince1970: 315_532_800)

    /// Packs what the plugin in `folder` needs (``PluginFiles/needed(by:)``).
    /// - Parameters:
    ///   - folder: the plugin folder, holding `plugin.toml`.
    ///   - key: signs the record, or nil for an unsigned package.
    ///   - configuration: the build configuration the library was built in, `debug` or `release`.
    ///   - output: the archive's path, or a folder to put `<id>-<version>.nekoplugin` in; nil for the current folder.
    /// - Returns: the archive's path and its record.
    public static func pack(folder: String, key: SigningKey?, configuration: String,
                            output: String?) throws(PackageError) -> (path: String, record: PackageRecord) {
        guard ["debug", "release"].contains(configuration) else {
            throw PackageError("--configuration '\(configuration)': expected debug or release")
        }
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest.load(folder: folder)
        } catch {
            throw PackageError("\(folder): \(error.message)")
        }
        let paths = try files(of: manifest)
        var entries: [PackageRecord.File] = []
        for path in paths {
            let digest = try FileDigest.of(file: manifest.folder + "/" + path)
            entries.append(PackageRecord.File(path: path, size: digest.size, sha256: digest.sha256))
        }
        let record = PackageRecord(
            id: manifest.id, version: manifest.version, abi: manifest.abi.description, library: manifest.library,
            target: try LibraryTarget.triple(ofLibrary: manifest.libraryPath), configuration: configuration,
            swiftCompiler: BuildStamp.swiftCompiler, files: entries)
        let recordBytes = record.encoded()
        let signature = try key.map { key throws(PackageError) in try PackageSignature.make(record: recordBytes, key: key) }

        let name = "\(manifest.id)-\(manifest.version).nekoplugin"
        var target = output ?? name
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: target, isDirectory: &isFolder), isFolder.boolValue {
            target += "/" + name
        }
        let temporary = "\(target).tmp-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        do {
            let archive = try Archive(url: URL(fileURLWithPath: temporary), accessMode: .create)
            try add(archive, EntryPath.record, recordBytes)
            if let signature { try add(archive, EntryPath.signature, signature.encoded()) }
            for file in record.files {
                let source = URL(fileURLWithPath: manifest.folder + "/" + file.path)
                let data = try Data(contentsOf: source)
                try add(archive, file.path, data, mode: file.path == record.library ? 0o755 : 0o644)
            }
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw PackageError("cannot write \(target): \(error)")
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(atPath: temporary)
            throw PackageError("cannot move \(temporary) to \(target): \(reason)")
        }
        return (target, record)
    }

    /// Every file the plugin needs, folders expanded, sorted; refuses links and special files.
    static func files(of manifest: PluginManifest) throws(PackageError) -> [String] {
        var result: [String] = []
        for path in PluginFiles.needed(by: manifest) {
            try collect(path, in: manifest.folder, into: &result)
        }
        return Array(Set(result)).sorted()
    }

    private static func collect(_ path: String, in folder: String, into result: inout [String]) throws(PackageError) {
        if let problem = EntryPath.problem(path) { throw PackageError("\(folder)/\(path): \(problem)") }
        if path == EntryPath.metadataFolder || path.hasPrefix(EntryPath.metadataFolder + "/") {
            throw PackageError("\(folder)/\(path): \(EntryPath.metadataFolder)/ is reserved for the package record")
        }
        let full = folder + "/" + path
        var status = stat()
        guard lstat(full, &status) == 0 else { throw PackageError("\(full): \(String(cString: strerror(errno)))") }
        switch status.st_mode & S_IFMT {
        case S_IFREG:
            result.append(path)
        case S_IFDIR:
            let names: [String]
            do {
                names = try FileManager.default.contentsOfDirectory(atPath: full)
            } catch {
                throw PackageError("\(full): cannot be listed: \(error.localizedDescription)")
            }
            for name in names.sorted() { try collect(path + "/" + name, in: folder, into: &result) }
        case S_IFLNK:
            throw PackageError("\(full): a symbolic link: a package holds only plain files (copy the file in instead)")
        default:
            throw PackageError("\(full): not a plain file or folder")
        }
    }

    private static func add(_ archive: Archive, _ path: String, _ data: Data, mode: UInt16 = 0o644) throws {
        try archive.addEntry(with: path, type: .file, uncompressedSize: Int64(data.count), modificationDate: fixedDate,
                             permissions: mode, compressionMethod: .deflate) { position, size in
            data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}
