/// Builds one frame: the header first, then payload fields appended in
/// order; `finish` writes the length.
package struct WireWriter: ~Copyable {
    /// The frame's bytes so far.
    package private(set) var bytes: [UInt8]

    /// Starts a frame of `kind` with request id `id`.
    package init(_ kind: FrameKind, id: UInt64, capacity: Int = 128) {
        bytes = []
        bytes.reserveCapacity(max(capacity, Frame.headerSize))
        append(UInt32(0))
        append(kind.rawValue)
        append(id)
    }

    /// Appends a byte.
    package mutating func append(_ value: UInt8) { bytes.append(value) }

    /// Appends a little-endian `UInt32`.
    package mutating func append(_ value: UInt32) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a little-endian `Int32`.
    package mutating func append(_ value: Int32) { append(UInt32(bitPattern: value)) }

    /// Appends a little-endian `UInt64`.
    package mutating func append(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Appends a length-prefixed run of bytes.
    package mutating func append(bytes run: UnsafeRawBufferPointer) {
        append(UInt32(run.count))
        bytes.append(contentsOf: run)
    }

    /// Appends a length-prefixed run of bytes.
    package mutating func append(bytes run: [UInt8]) {
        run.withUnsafeBytes { append(bytes: $0) }
    }

    /// Appends a string, or the nil marker.
    package mutating func append(_ string: String?) {
        guard var string else { return append(UInt32.max) }
        string.withUTF8 { append(bytes: UnsafeRawBufferPointer($0)) }
    }

    /// Appends a C string (NULL: the nil marker).
    package mutating func append(cString: UnsafePointer<CChar>?) {
        guard let cString else { return append(UInt32.max) }
        append(bytes: UnsafeRawBufferPointer(start: cString, count: strlen(cString)))
    }

    /// The finished frame, its length written.
    package consuming func finish() -> [UInt8] {
        let length = UInt32(bytes.count - 4).littleEndian
        withUnsafeBytes(of: length) { raw in
            for index in 0..<4 { bytes[index] = raw[index] }
        }
        return bytes
    }
}

/// Reads payload fields in order, checking every length against what is
/// left: malformed input throws, it never reads out of bounds.
package struct WireReader {
    private let bytes: UnsafeRawBufferPointer
    private var offset = 0

    /// Reads `bytes` (borrowed for the reader's life).
    package init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    /// Whether every byte has been read.
    package var isAtEnd: Bool { offset == bytes.count }

    private mutating func take(_ count: Int, _ what: String) throws(WireError) -> UnsafeRawBufferPointer {
        guard count >= 0, bytes.count - offset >= count else {
            throw .malformed("\(what): needs \(count) bytes, \(bytes.count - offset) left")
        }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: bytes[offset..<offset + count])
    }

    /// Reads a byte.
    package mutating func byte(_ what: String) throws(WireError) -> UInt8 {
        try take(1, what)[0]
    }

    /// Reads a little-endian `UInt32`.
    package mutating func uint32(_ what: String) throws(WireError) -> UInt32 {
        UInt32(littleEndian: try take(4, what).loadUnaligned(as: UInt32.self))
    }

    /// Reads a little-endian `Int32`.
    package mutating func int32(_ what: String) throws(WireError) -> Int32 {
        Int32(bitPattern: try uint32(what))
    }

    /// Reads a little-endian `UInt64`.
    package mutating func uint64(_ what: String) throws(WireError) -> UInt64 {
        UInt64(littleEndian: try take(8, what).loadUnaligned(as: UInt64.self))
    }

    /// Reads a length-prefixed run of bytes, borrowed.
    package mutating func bytes(_ what: String) throws(WireError) -> UnsafeRawBufferPointer {
        let count = try uint32(what)
        return try take(Int(count), what)
    }

    /// Reads a string or the nil marker; invalid UTF-8 is refused.
    package mutating func string(_ what: String) throws(WireError) -> String? {
        let count = try uint32(what)
        if count == UInt32.max { return nil }
        let raw = try take(Int(count), what)
        guard let text = String(validating: raw, as: UTF8.self) else { throw .malformed("\(what): not UTF-8") }
        guard !text.utf8.contains(0) else { throw .malformed("\(what): contains a NUL byte") }
        return text
    }

    /// Reads a string or the nil marker as borrowed bytes, refusing a NUL
    /// byte (they become a C string); the UTF-8 is not checked.
    package mutating func cStringBytes(_ what: String) throws(WireError) -> UnsafeRawBufferPointer? {
        let count = try uint32(what)
        if count == UInt32.max { return nil }
        let raw = try take(Int(count), what)
        guard !raw.contains(0) else { throw .malformed("\(what): contains a NUL byte") }
        return raw
    }

    /// Reads a string that must be there.
    package mutating func requiredString(_ what: String) throws(WireError) -> String {
        guard let text = try string(what) else { throw .malformed("\(what): missing") }
        return text
    }

    /// Reads an element count, refusing one that the bytes left cannot hold
    /// (each element takes at least `minimumSize` bytes).
    package mutating func count(_ what: String, minimumSize: Int) throws(WireError) -> Int {
        let count = Int(try uint32(what))
        guard count <= (bytes.count - offset) / max(minimumSize, 1) else {
            throw .malformed("\(what): \(count) elements cannot fit in \(bytes.count - offset) bytes")
        }
        return count
    }

    /// Throws unless every byte was read.
    package func expectEnd(_ what: String) throws(WireError) {
        guard isAtEnd else { throw .malformed("\(what): \(bytes.count - offset) unexpected trailing bytes") }
    }
}

#if canImport(Glibc)
import Glibc
#endif
