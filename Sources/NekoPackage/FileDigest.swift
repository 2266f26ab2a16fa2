import Crypto
import Foundation

/// SHA-256 of files and bytes, as 64 lower-case hex digits.
enum FileDigest {
    /// The digest of `data`.
    static func hex(of data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// Streams the file at `path` through SHA-256; returns its digest and size.
    static func of(file path: String) throws(PackageError) -> (sha256: String, size: UInt64) {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw PackageError("\(path): cannot be read")
        }
        defer { try? handle.close() }
        var hasher = SHA256()
        var size: UInt64 = 0
        do {
            while let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                hasher.update(data: chunk)
                size += UInt64(chunk.count)
            }
        } catch {
            throw PackageError("\(path): cannot be read: \(error.localizedDescription)")
        }
        return (hex(hasher.finalize()), size)
    }

    static func hex(_ digest: SHA256.Digest) -> String {
        digest.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }
}
