/// Encodes `Encodable` values as compact UTF-8 JSON, fast.
///
/// ```swift
/// let bytes = try NekoJSONEncoder().encode(SetResult(saved: true, key: "a"))
/// ```
///
/// ``encode(_:)`` writes straight into a byte buffer as the value encodes
/// itself. The few patterns that cannot be written in one pass (a container
/// written to after a later sibling was started, `superEncoder`, a key encoded
/// twice, a thrown error) make it start over with ``encodeJSON(_:)``, which
/// builds a ``JSON`` tree first; both give the same bytes for the same value.
///
/// What it writes: members in the order they are encoded, and no member for
/// an optional property encoded with `encodeIfPresent` (the synthesized
/// default) when it is `nil`. A key encoded twice in one container keeps the
/// last value, at the position of the first. Doubles are written as
/// ``JSON/serialized()`` writes them (`3.0`, `0.1`); a `Float` is written as
/// the double nearest its shortest decimal form, so `Float(0.1)` is `0.1`.
/// A property of type ``JSON`` is written as it is. Foundation types encode
/// through their own `Codable` implementations, without the special cases of
/// Foundation's `JSONEncoder`.
///
/// It throws `EncodingError.invalidValue` for a double or float that is not
/// finite, for an integer beyond `Int64` (JSON integers here are `Int64`;
/// send such numbers as strings), and for a top-level value that encodes
/// nothing.
public struct NekoJSONEncoder: Sendable {
    /// Values handed to `encode(to:)` implementations as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes an encoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Encodes `value` as compact UTF-8 JSON bytes.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if T.self == JSON.self {
            return try Self.serialize(unsafeBitCast(value, to: JSON.self))
        }
        let writer = JSONByteWriter(userInfo: userInfo)
        let encoder = JSONByteEncoder(writer: writer, parent: nil, component: nil)
        writer.unfilledSlots = 1
        do {
            try encoder.encodeNested(value, emptyAsObject: false)
        } catch {
            if !writer.needsTree { throw error }
        }
        guard !writer.needsTree, encoder.isFilled else {
            return try Self.serialize(encodeJSON(value))
        }
        return writer.bytes
    }

    /// Encodes `value` as a ``JSON`` tree.
    public func encodeJSON<T: Encodable>(_ value: T) throws -> JSON {
        let encoder = JSONTreeEncoder(parent: nil, component: nil, userInfo: userInfo)
        let node = try encoder.box(value, at: nil)
        guard let node else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return node.json
    }

    static func serialize(_ json: JSON) throws -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        guard JSONOutput.write(json, into: &bytes) else {
            throw EncodingError.invalidValue(json, .init(
                codingPath: [], debugDescription: "JSON cannot express a double that is not finite."))
        }
        return bytes
    }
}

/// The state of one straight-through encode: the bytes written so far, and a
/// stack of the containers still open with the keys of their members.
final class JSONByteWriter {
    /// An open container, or a key of the open object below it.
    struct Entry {
        /// For a container, `id << 1 | isObject`; for a key, 0.
        var tag: Int
        /// For a container, how many members or elements it has; for a key,
        /// where its escaped text starts in `bytes`.
        var first: Int
        /// For a container, the entry of the container it is in (-1 for
        /// none); for a key, where its escaped text ends in `bytes`.
        var second: Int
    }

    /// Thrown to abandon the straight-through encode.
    struct Abandoned: Error {}

    /// Up to this many members, an object checks for duplicate keys by
    /// comparing bytes; beyond, with a set.
    static let linearKeyLimit = 32

    // The encode is single-threaded and never nests accesses to these, so
    // dynamic exclusivity checks would only cost time.
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var entries: [Entry] = []
    /// The entry of the innermost open container; -1 when none is open.
    @exclusivity(unchecked) var topFrame = -1
    @exclusivity(unchecked) var nextFrameID = 0
    /// Slots (places where a value must go) that have been started but not
    /// filled: anything written elsewhere meanwhile would corrupt the output.
    @exclusivity(unchecked) var unfilledSlots = 0
    /// Set when the straight-through encode gave up; the tree encoder redoes it.
    @exclusivity(unchecked) var needsTree = false
    /// The keys of objects with many members, by container id.
    var largeKeySets: [Int: Set<String>] = [:]
    let userInfo: [CodingUserInfoKey: any Sendable]

    init(userInfo: [CodingUserInfoKey: any Sendable]) {
        self.userInfo = userInfo
        bytes.reserveCapacity(128)
        entries.reserveCapacity(16)
    }

    /// Marks the encode as abandoned and returns the error to throw.
    func abandon() -> Abandoned {
        needsTree = true
        return Abandoned()
    }

    /// Whether the container `id` is still open at entry `index`.
    @inline(__always) func isOpen(_ index: Int, id: Int) -> Bool {
        index < entries.count && entries[index].tag >> 1 == id
    }

    func openFrame(isObject: Bool) -> (index: Int, id: Int) {
        nextFrameID += 1
        entries.append(Entry(tag: nextFrameID << 1 | (isObject ? 1 : 0), first: 0, second: topFrame))
        topFrame = entries.count - 1
        bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
        return (topFrame, nextFrameID)
    }

    func closeTopFrame() {
        let frame = entries[topFrame]
        if frame.tag & 1 == 1 {
            bytes.append(UInt8(ascii: "}"))
            if frame.first > Self.linearKeyLimit { largeKeySets[frame.tag >> 1] = nil }
        } else {
            bytes.append(UInt8(ascii: "]"))
        }
        entries.removeLast(entries.count - topFrame)
        topFrame = frame.second
    }

    /// Closes the container `id` at entry `index`, and any opened after it.
    func closeFrame(at index: Int, id: Int) {
        guard isOpen(index, id: id) else { return }
        while topFrame >= index { closeTopFrame() }
    }

    /// Checks that the container `id` at entry `index` may be written to now,
    /// closing any opened after it; abandons if it may not.
    @inline(__always) func prepare(frame index: Int, id: Int) throws(Abandoned) {
        guard unfilledSlots == 0, isOpen(index, id: id) else { throw abandon() }
        while topFrame != index { closeTopFrame() }
    }

    /// Writes the separator and the key of a new member of the object at
    /// entry `index`; abandons on a duplicate key.
    func beginMember(_ key: String, frame index: Int, id: Int) throws(Abandoned) {
        try prepare(frame: index, id: id)
        let count = entries[index].first
        entries[index].first = count + 1
        if count > 0 { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        let start = bytes.count
        JSONOutput.writeEscaped(key, into: &bytes)
        let end = bytes.count
        if count < Self.linearKeyLimit {
            // Equal keys have equal escaped text: compare the bytes already written.
            let isDuplicate = bytes.withUnsafeBufferPointer { written in
                for entry in entries[(index + 1)...] where entry.second - entry.first == end - start {
                    if memoryEqual(written, entry.first, start, end - start) { return true }
                }
                return false
            }
            if isDuplicate { throw abandon() }
            entries.append(Entry(tag: 0, first: start, second: end))
        } else {
            if count == Self.linearKeyLimit {
                largeKeySets[id] = Set(entries[(index + 1)...].map { String(decoding: bytes[$0.first..<$0.second], as: UTF8.self) })
            }
            guard largeKeySets[id]!.insert(String(decoding: bytes[start..<end], as: UTF8.self)).inserted else { throw abandon() }
        }
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
    }

    @inline(__always) func memoryEqual(_ buffer: UnsafeBufferPointer<UInt8>, _ first: Int, _ second: Int, _ count: Int) -> Bool {
        for offset in 0..<count where buffer[first + offset] != buffer[second + offset] { return false }
        return true
    }

    /// Writes the separator before a new element of the array at entry `index`.
    func beginElement(frame index: Int, id: Int) throws(Abandoned) {
        try prepare(frame: index, id: id)
        if entries[index].first > 0 { bytes.append(UInt8(ascii: ",")) }
        entries[index].first += 1
    }

    /// Writes `value` if it is of a type written without its own encoder;
    /// returns whether it was.
    @inline(__always) func writeLeaf<T: Encodable>(_ value: T) throws(Abandoned) -> Bool {
        if T.self == String.self {
            JSONOutput.writeString(unsafeBitCast(value, to: String.self), into: &bytes)
        } else if T.self == Int.self {
            JSONOutput.writeInteger(Int64(unsafeBitCast(value, to: Int.self)), into: &bytes)
        } else if T.self == Bool.self {
            JSONOutput.append(unsafeBitCast(value, to: Bool.self) ? "true" : "false", to: &bytes)
        } else if T.self == Double.self {
            try write(unsafeBitCast(value, to: Double.self))
        } else if T.self == Int64.self {
            JSONOutput.writeInteger(unsafeBitCast(value, to: Int64.self), into: &bytes)
        } else if T.self == JSON.self {
            guard JSONOutput.write(unsafeBitCast(value, to: JSON.self), into: &bytes) else { throw abandon() }
        } else {
            return false
        }
        return true
    }

    func write(_ value: Double) throws(Abandoned) {
        guard JSONOutput.writeDouble(value, into: &bytes) else { throw abandon() }
    }

    func write(_ value: Float) throws(Abandoned) {
        guard let double = JSONOutput.double(from: value) else { throw abandon() }
        try write(double)
    }

    func write<I: FixedWidthInteger>(_ value: I) throws(Abandoned) {
        guard let integer = Int64(exactly: value) else { throw abandon() }
        JSONOutput.writeInteger(integer, into: &bytes)
    }

    func write(_ value: String) {
        JSONOutput.writeString(value, into: &bytes)
    }

    func write(_ value: Bool) {
        JSONOutput.append(value ? "true" : "false", to: &bytes)
    }

    func writeNull() {
        JSONOutput.append("null", to: &bytes)
    }
}

extension JSONOutput {
    /// The double nearest a float's shortest decimal form, so that `Float(0.1)`
    /// is written `0.1`; `nil` if the float is not finite.
    static func double(from value: Float) -> Double? {
        guard value.isFinite else { return nil }
        return Double(value.description) ?? Double(value)
    }
}
