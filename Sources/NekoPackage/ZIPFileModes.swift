import Foundation

/// The Unix file type of each entry of a ZIP archive, read from its central
/// directory: ZIPFoundation tells files, folders and links apart, but reads a
/// device, FIFO or socket entry as a plain file; a package holds none.
///
/// Only the classic (non-ZIP64) central directory is read; a package is far
/// below its 4 GiB limits (``PackageLimits``).
enum ZIPFileModes {
    /// The entries whose Unix mode is a device, FIFO or socket, with the kind,
    /// eg `["fifo": "a FIFO"]`. Entries made on other systems carry no mode.
    /// Reads only the archive's tail: the end record and the central directory.
    /// - Throws: if the end of the central directory cannot be found or read.
    static func specialEntries(ofArchive path: String, name: String) throws(PackageError) -> [String: String] {
        let damaged = PackageError("\(name): not a readable ZIP archive (a damaged central directory)")
        guard let file = FileHandle(forReadingAtPath: path), let size = try? file.seekToEnd() else {
            throw PackageError("\(path): cannot be read")
        }
        defer { try? file.close() }
        func read(_ offset: UInt64, _ count: Int) -> [UInt8]? {
            guard (try? file.seek(toOffset: offset)) != nil, let data = try? file.read(upToCount: count), data.count == count else { return nil }
            return [UInt8](data)
        }
        // The end record: its signature, searched backwards past a comment of up to 64 KiB.
        let tailLength = Int(min(size, 22 + 0xFFFF))
        guard tailLength >= 22, let tail = read(size - UInt64(tailLength), tailLength) else { throw damaged }
        var end = tail.count - 22
        while end >= 0 && u32(tail, end) != 0x0605_4b50 { end -= 1 }
        guard end >= 0 else { throw PackageError("\(name): not a readable ZIP archive (no end of central directory)") }
        let count = u16(tail, end + 10), directorySize = u32(tail, end + 12), directoryOffset = u32(tail, end + 16)
        guard UInt64(directoryOffset) + UInt64(directorySize) <= size, let directory = read(UInt64(directoryOffset), directorySize) else {
            throw damaged
        }
        var at = 0
        var special: [String: String] = [:]
        for _ in 0..<count {
            guard at + 46 <= directory.count, u32(directory, at) == 0x0201_4b50 else { throw damaged }
            let madeOnUnix = directory[at + 5] == 3 || directory[at + 5] == 19
            let nameLength = u16(directory, at + 28), extraLength = u16(directory, at + 30), commentLength = u16(directory, at + 32)
            guard at + 46 + nameLength <= directory.count else { throw damaged }
            if madeOnUnix, let kind = kind(of: u32(directory, at + 38) >> 16) {
                special[String(decoding: directory[(at + 46)..<(at + 46 + nameLength)], as: UTF8.self)] = kind
            }
            at += 46 + nameLength + extraLength + commentLength
        }
        return special
    }

    private static func u16(_ bytes: [UInt8], _ at: Int) -> Int { Int(bytes[at]) | Int(bytes[at + 1]) << 8 }
    private static func u32(_ bytes: [UInt8], _ at: Int) -> Int { u16(bytes, at) | u16(bytes, at + 2) << 16 }

    /// "a character device", "a block device", "a FIFO" or "a socket"; nil for anything else.
    static func kind(of mode: Int) -> String? {
        switch mode & 0o170000 {
        case 0o020000: "a character device"
        case 0o060000: "a block device"
        case 0o010000: "a FIFO"
        case 0o140000: "a socket"
        default: nil
        }
    }
}
