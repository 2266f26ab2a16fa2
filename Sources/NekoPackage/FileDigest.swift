import Foundation
@_spi(Neko) import NekoLoader

/// SHA-256 of files and bytes, as 64 lower-case hex digits.
enum FileDigest {
    /// The digest of `data`.
    static func hex(of data: Data) -> String {
        SHA256.hex(of: [UInt8](data))
    }

    /// Streams the file at `path` through SHA-256; returns its digest and size.
    static func of(file path: String) throws(PackageError) -> (sha256: String, size: UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PackageError("\(path): cannot be read")
        }
        defer { try? handle.close() }
        let hasher = SHA256()
        var size: UInt64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                chunk.withUnsafeBytes { hasher.update($0) }
                size += UInt64(chunk.count)
            }
        } catch {
            throw PackageError("\(path): cannot be read: \(error.localizedDescription)")
        }
        return (hasher.finalizeHex(), size)
    }
}
