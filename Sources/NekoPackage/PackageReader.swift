import Foundation
@_spi(Neko) import NekoLoader
import ZIPFoundation

/// An opened package: its listing checked, its record and signature read,
/// nothing extracted yet (what `nekoctl inspect` shows).
///
/// Opening refuses what no good package holds: entries that leave the folder
/// (`../`, absolute paths), links, devices and FIFOs, duplicate names, files the record does not
/// list or lists with another size, and sizes over ``PackageLimits``.
public final class PackageReader {
    /// The archive's path, as given.
    public let path: String
    /// The record, checked (``PackageRecord/decode(_:source:)``).
    public let record: PackageRecord
    /// The record's exact bytes: what a signature covers.
    public let recordBytes: Data
    /// The signature, if the package is signed.
    public let signature: PackageSignature?
    /// The SHA-256 of the whole archive file.
    public let packageHash: String
    private let archive: Archive
    private let entries: [String: Entry]

    /// Opens and checks the package at `path`.
    public init(path: String, limits: PackageLimits = PackageLimits()) throws(PackageError) {
        self.path = path
        let name = path
        var status = stat()
        guard stat(path, &status) == 0 else { throw PackageError("\(name): \(String(cString: strerror(errno)))") }
        guard status.st_mode & S_IFMT == S_IFREG else { throw PackageError("\(name): not a file") }
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw PackageError("\(name): not a readable ZIP archive (truncated or damaged?): \(error)")
        }
        let special = try ZIPFileModes.specialEntries(ofArchive: path, name: name)
        var entries: [String: Entry] = [:]
        var total: UInt64 = 0
        var count = 0
        for entry in archive {
            count += 1
            guard count <= limits.entries else { throw PackageError("\(name): more than \(limits.entries) entries") }
            let entryPath = entry.path
            if let problem = EntryPath.problem(entry.type == .directory ? String(entryPath.dropLast()) : entryPath) {
                throw PackageError("\(name): entry '\(entryPath)': \(problem)")
            }
            if let kind = special[entryPath] {
                throw PackageError("\(name): entry '\(entryPath)': \(kind): a package holds only plain files")
            }
            switch entry.type {
            case .symlink:
                throw PackageError("\(name): entry '\(entryPath)': a symbolic link: a package holds only plain files")
            case .directory:
                continue
            case .file:
                break
            }
            guard entries[entryPath] == nil else {
                throw PackageError("\(name): entry '\(entryPath)' appears twice")
            }
            total += entry.uncompressedSize
            guard total <= limits.totalSize else {
                throw PackageError("\(name): more than \(limits.totalSize) bytes once decompressed (at entry '\(entryPath)'): refused as a decompression bomb")
            }
            if entry.uncompressedSize > 1 << 20, entry.uncompressedSize / max(entry.compressedSize, 1) > limits.ratio {
                throw PackageError("\(name): entry '\(entryPath)' grows \(entry.uncompressedSize / max(entry.compressedSize, 1)) times when decompressed (at most \(limits.ratio)): refused as a decompression bomb")
            }
            entries[entryPath] = entry
        }
        self.entries = entries
        guard let recordEntry = entries[EntryPath.record] else {
            throw PackageError("\(name): no \(EntryPath.record): not a Neko package (make one with 'nekoctl pack DIR')")
        }
        recordBytes = try Self.read(archive, recordEntry, cap: 4 << 20, source: "\(name): \(EntryPath.record)")
        record = try PackageRecord.decode(recordBytes, source: "\(name): \(EntryPath.record)")
        if let signatureEntry = entries[EntryPath.signature] {
            let bytes = try Self.read(archive, signatureEntry, cap: 64 << 10, source: "\(name): \(EntryPath.signature)")
            signature = try PackageSignature.decode(bytes, source: "\(name): \(EntryPath.signature)")
        } else {
            signature = nil
        }
        for entryPath in entries.keys.sorted() where entryPath != EntryPath.record && entryPath != EntryPath.signature {
            guard let file = record.file(entryPath) else {
                throw PackageError("\(name): entry '\(entryPath)' is not in the record: refused (a file added after packing?)")
            }
            guard entries[entryPath]!.uncompressedSize == file.size else {
                throw PackageError("\(name): entry '\(entryPath)' holds \(entries[entryPath]!.uncompressedSize) bytes, the record says \(file.size)")
            }
        }
        for file in record.files where entries[file.path] == nil {
            throw PackageError("\(name): '\(file.path)' is in the record but not in the archive")
        }
        packageHash = try FileDigest.of(file: path).sha256
    }

    /// Whether the signature, if any, is a valid signature of the record by the key it names.
    public var signatureIsValid: Bool {
        signature?.verifies(recordBytes) ?? false
    }

    /// Checks every file's hash and writes each into `folder` (made if needed),
    /// fsynced; with `folder` nil, only checks. Files are 0644, the library 0755.
    /// - Throws: on the first file whose contents differ from the record, naming it;
    ///   files already written are left for the caller to remove.
    public func extract(to folder: String?) throws(PackageError) {
        for file in record.files {
            let entry = entries[file.path]!
            var fd: Int32 = -1
            let target = folder.map { $0 + "/" + file.path }
            if let target {
                let parent = (target as NSString).deletingLastPathComponent
                do {
                    try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
                } catch {
                    throw PackageError("cannot create \(parent): \(error.localizedDescription)")
                }
                fd = open(target, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, file.path == record.library ? 0o755 : 0o644)
                guard fd >= 0 else { throw PackageError("cannot create \(target): \(String(cString: strerror(errno)))") }
            }
            defer { if fd >= 0 { close(fd) } }
            let hasher = SHA256()
            var size: UInt64 = 0
            var failure: PackageError?
            do {
                // No CRC-32: every byte goes through SHA-256 against the record, which
                // catches all that a CRC would (and the CRC took a third of verify's time).
                _ = try archive.extract(entry, skipCRC32: true) { chunk in
                    size += UInt64(chunk.count)
                    guard size <= file.size else {
                        failure = PackageError("\(self.path): '\(file.path)' holds more bytes than the record's \(file.size)")
                        throw failure!
                    }
                    chunk.withUnsafeBytes { hasher.update($0) }
                    if let target {
                        do throws(PackageError) { try SafeFile.writeAll(fd, chunk, path: target) } catch { failure = error; throw error }
                    }
                }
            } catch {
                throw failure ?? PackageError("\(path): entry '\(file.path)' cannot be decompressed (damaged or truncated?): \(error)")
            }
            let digest = hasher.finalizeHex()
            guard size == file.size, digest == file.sha256 else {
                throw PackageError("\(path): '\(file.path)' does not match the record: sha256 \(digest), expected \(file.sha256) (the file was changed after packing)")
            }
            if let target, fsync(fd) != 0 {
                throw PackageError("cannot write \(target): \(String(cString: strerror(errno)))")
            }
        }
        if let folder {
            let metadata = folder + "/" + EntryPath.metadataFolder
            try? FileManager.default.createDirectory(atPath: metadata, withIntermediateDirectories: true)
            try SafeFile.createNew(folder + "/" + EntryPath.record, contents: recordBytes, mode: 0o644)
            if let signature { try SafeFile.createNew(folder + "/" + EntryPath.signature, contents: signature.encoded(), mode: 0o644) }
        }
    }

    private static func read(_ archive: Archive, _ entry: Entry, cap: Int, source: String) throws(PackageError) -> Data {
        guard entry.uncompressedSize <= UInt64(cap) else { throw PackageError("\(source): larger than \(cap) bytes") }
        var data = Data()
        do {
            _ = try archive.extract(entry) { chunk in
                data.append(chunk)
                if data.count > cap { throw PackageError("\(source): larger than \(cap) bytes") }
            }
        } catch {
            throw PackageError("\(source): cannot be read: \(error)")
        }
        return data
    }
}
