// Why two encoders (issue #11: one encoder unless the second pays for itself).
// This file writes bytes in one pass as the value encodes itself: the fast
// path of every call's result. `neko-bench --encoding` (release, 2 vCPUs, two
// runs on a busy machine, load 4 to 6) measures it 1.9x to 3.5x faster than
// the tree encoder (JSONTreeEncoding.swift) plus `serialized()`:
// `{"saved":true}` 430-480 ns vs 0.92-1.34 µs, a 5-field record 620-790 ns vs
// 1.32-2.10 µs, a 20-field object with 10 array items 12-19 µs vs 37-42 µs
// (Foundation's JSONEncoder: 2.4x to 6.7x slower than this file). The tree
// encoder stays as well: it is `encodeJSON` and the fallback for the patterns
// one pass cannot write (see ``NekoJSONEncoder``).

/// The `Encoder` of one slot (a place where one value goes) of a
/// straight-through encode, and the owner of the container it opens there.
/// It is its own single-value container.
///
/// The writer is the root slot's encoder itself (a subclass), which saves an
/// allocation per encode.
class JSONByteEncoder: Encoder, SingleValueEncodingContainer {
    enum State {
        /// Nothing written yet; counted in the writer's `unfilledSlots`.
        case unfilled
        /// Holds an object or an array, open while `isOpen`.
        case object, array
        /// Holds a single value.
        case value
        /// Handed out after the encode was abandoned; every write fails.
        case poisoned
    }

    /// The writer; `nil` in the writer itself.
    private let sharedWriter: JSONByteWriter?
    final let parent: JSONByteEncoder?
    final let component: JSONPathComponent?
    // Single-threaded, never accessed in overlapping ways: no dynamic checks.
    @exclusivity(unchecked) final var state: State
    /// Whether this slot's container has been opened and not yet closed.
    @exclusivity(unchecked) final var isOpen = false
    /// Whether this slot's container is the innermost open one.
    @exclusivity(unchecked) final var isTop = false
    /// The members or elements written to the container so far.
    @exclusivity(unchecked) final var count = 0
    /// Where this object's keys start on the writer's key stack.
    @exclusivity(unchecked) final var keyStart = 0
    /// The container that was innermost when this one opened.
    @exclusivity(unchecked) final var below: JSONByteEncoder? = nil
    /// The keys of an object with more members than the key stack checks.
    @exclusivity(unchecked) final var largeKeys: Set<String>? = nil

    init(writer: JSONByteWriter?, parent: JSONByteEncoder?, component: JSONPathComponent?, state: State = .unfilled) {
        self.sharedWriter = writer
        self.parent = parent
        self.component = component
        self.state = state
    }

    final var writer: JSONByteWriter {
        @inline(__always) get { sharedWriter ?? unsafeDowncast(self, to: JSONByteWriter.self) }
    }

    final var isFilled: Bool {
        switch state {
        case .object, .array, .value: true
        case .unfilled, .poisoned: false
        }
    }

    final var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var node: JSONByteEncoder? = self
        while let current = node {
            if let component = current.component { path.append(component.codingKey) }
            node = current.parent
        }
        return path.reversed()
    }

    final var userInfo: [CodingUserInfoKey: Any] { writer.sharedUserInfo }

    /// Encodes `value` into this unfilled slot. A value that encodes nothing
    /// becomes `{}` when `emptyAsObject`, as in Foundation.
    final func encodeNested<T: Encodable>(_ value: T, emptyAsObject: Bool = true) throws {
        let writer = self.writer
        if try writer.writeLeaf(value) {
            fill()
            return
        }
        do {
            try value.encode(to: self)
        } catch {
            writer.needsTree = true
            throw error
        }
        switch state {
        case .unfilled where emptyAsObject:
            fill()
            writer.bytes.append("{}")
        case .object, .array:
            writer.close(self)
        default:
            break
        }
    }

    /// Encodes `value` as the child of this slot's container at `component`,
    /// in a slot of its own unless it is a leaf.
    @inline(__always) final func encodeChild<T: Encodable>(_ value: T, at component: @autoclosure () -> JSONPathComponent) throws {
        let writer = self.writer
        if try writer.writeLeaf(value) { return }
        writer.unfilledSlots += 1
        try JSONByteEncoder(writer: writer, parent: self, component: component()).encodeNested(value)
    }

    /// A slot for the child at `component`, for a container the caller opens at once.
    final func childSlot(at component: JSONPathComponent) -> JSONByteEncoder {
        writer.unfilledSlots += 1
        return JSONByteEncoder(writer: writer, parent: self, component: component)
    }

    /// A slot that fails every write; the encode has been abandoned.
    final func poisonedSlot(at component: JSONPathComponent?) -> JSONByteEncoder {
        writer.needsTree = true
        return JSONByteEncoder(writer: writer, parent: component == nil ? parent : self, component: component ?? self.component,
                               state: .poisoned)
    }

    final func fill() {
        state = .value
        writer.unfilledSlots -= 1
    }

    /// The owner of this slot's container: this slot, opening the container
    /// if it has none yet, or a poisoned slot if it holds something else.
    final func containerOwner(isObject: Bool) -> JSONByteEncoder {
        switch state {
        case .unfilled:
            writer.open(self, isObject: isObject)
            return self
        case .object where isObject && isOpen, .array where !isObject && isOpen:
            return self
        default:
            return poisonedSlot(at: nil)
        }
    }

    final func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(JSONByteKeyedContainer<Key>(owner: containerOwner(isObject: true)))
    }

    final func unkeyedContainer() -> any UnkeyedEncodingContainer {
        JSONByteUnkeyedContainer(owner: containerOwner(isObject: false))
    }

    final func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    // MARK: Single value

    /// Claims this slot for a single value.
    @inline(__always) final func beginValue() throws(JSONByteWriter.Abandoned) {
        guard case .unfilled = state else { throw writer.abandon() }
        fill()
    }

    final func encodeNil() throws { try beginValue(); writer.writeNull() }
    final func encode(_ value: Bool) throws { try beginValue(); writer.write(value) }
    final func encode(_ value: String) throws { try beginValue(); writer.write(value) }
    final func encode(_ value: Double) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Float) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Int) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Int8) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Int16) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Int32) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Int64) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: Int128) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: UInt) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: UInt8) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: UInt16) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: UInt32) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: UInt64) throws { try beginValue(); try writer.write(value) }
    final func encode(_ value: UInt128) throws { try beginValue(); try writer.write(value) }

    final func encode<T: Encodable>(_ value: T) throws {
        guard case .unfilled = state else { throw writer.abandon() }
        try encodeNested(value)
    }
}

/// The state of one straight-through encode, and the encoder of its root slot:
/// the bytes written so far, the stack of open containers, and the keys of
/// the open objects, kept to catch a key encoded twice.
///
/// Whatever it cannot write in one pass, it abandons (``needsTree``), and
/// ``NekoJSONEncoder`` starts over with the tree encoder.
final class JSONByteWriter: JSONByteEncoder {
    /// Thrown to abandon the straight-through encode.
    struct Abandoned: Error {}

    /// Up to this many members, an object checks for duplicate keys by
    /// comparing the bytes already written; beyond, with a set.
    static let linearKeyLimit = 32

    @exclusivity(unchecked) var bytes = JSONByteBuffer()
    /// The innermost open container.
    @exclusivity(unchecked) var top: JSONByteEncoder? = nil
    /// Slots started but not filled: anything written elsewhere meanwhile
    /// would land in the wrong place.
    @exclusivity(unchecked) var unfilledSlots = 1
    /// Set when the straight-through encode gave up.
    @exclusivity(unchecked) var needsTree = false
    /// The key stack: where each key of the open objects starts and ends in
    /// `bytes`, the first 16 inline (no allocation) and the rest in `overflowKeyBounds`.
    @exclusivity(unchecked) var keyCount = 0
    @exclusivity(unchecked) var inlineKeyBounds: InlineKeyBounds = (
        0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    @exclusivity(unchecked) var overflowKeyBounds: [Int] = []
    typealias InlineKeyBounds = (
        Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int,
        Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int, Int)
    static let inlineKeyCount = MemoryLayout<InlineKeyBounds>.size / MemoryLayout<Int>.size / 2
    let sharedUserInfo: [CodingUserInfoKey: any Sendable]

    init(userInfo: [CodingUserInfoKey: any Sendable]) {
        sharedUserInfo = userInfo
        super.init(writer: nil, parent: nil, component: nil)
    }

    deinit {
        bytes.deallocate()
    }

    /// Marks the encode as abandoned and returns the error to throw.
    func abandon() -> Abandoned {
        needsTree = true
        return Abandoned()
    }

    /// Drops the containers left open by an abandoned encode, which would
    /// otherwise keep this writer alive through `top`.
    func abandonOpenContainers() {
        top = nil
    }

    func open(_ owner: JSONByteEncoder, isObject: Bool) {
        unfilledSlots -= 1
        owner.state = isObject ? .object : .array
        owner.isOpen = true
        owner.count = 0
        owner.keyStart = keyCount
        owner.below = top
        top?.isTop = false
        top = owner
        owner.isTop = true
        bytes.append(isObject ? UInt8(ascii: "{") : UInt8(ascii: "["))
    }

    func closeTop() {
        let owner = top.unsafelyUnwrapped
        if case .object = owner.state {
            bytes.append(UInt8(ascii: "}"))
            keyCount = owner.keyStart
            if owner.largeKeys != nil { owner.largeKeys = nil }
        } else {
            bytes.append(UInt8(ascii: "]"))
        }
        owner.isOpen = false
        owner.isTop = false
        top = owner.below
        owner.below = nil
        top?.isTop = true
    }

    /// Closes `owner`'s container and any opened after it.
    func close(_ owner: JSONByteEncoder) {
        while owner.isOpen { closeTop() }
    }

    /// Checks that `owner`'s container may be written to now, closing any
    /// opened after it; abandons if it may not.
    @inline(__always) func prepare(_ owner: JSONByteEncoder) throws(Abandoned) {
        guard unfilledSlots == 0, owner.isOpen else { throw abandon() }
        while !owner.isTop { closeTop() }
    }

    /// Writes the separator and the key of a new member of `owner`'s object;
    /// abandons on a key already there.
    func beginMember(_ key: String, of owner: JSONByteEncoder) throws(Abandoned) {
        try prepare(owner)
        let count = owner.count
        owner.count = count + 1
        if count > 0 {
            bytes.append(UInt8(ascii: ","), UInt8(ascii: "\""))
        } else {
            bytes.append(UInt8(ascii: "\""))
        }
        let start = bytes.count
        JSONOutput.writeEscaped(key, into: &bytes)
        let end = bytes.count
        if count < Self.linearKeyLimit {
            // Equal keys have equal escaped text: compare with the bytes already written.
            for index in owner.keyStart..<keyCount {
                let (otherStart, otherEnd) = keyBounds(at: index)
                if otherEnd - otherStart == end - start, bytesEqual(otherStart, start, count: end - start) {
                    throw abandon()
                }
            }
            pushKey(start, end)
        } else {
            if count == Self.linearKeyLimit {
                owner.largeKeys = Set((owner.keyStart..<keyCount).map { keyText(keyBounds(at: $0)) })
            }
            guard owner.largeKeys!.insert(keyText((start, end))).inserted else { throw abandon() }
        }
        bytes.append(UInt8(ascii: "\""), UInt8(ascii: ":"))
    }

    /// Writes the separator before a new element of `owner`'s array.
    @inline(__always) func beginElement(of owner: JSONByteEncoder) throws(Abandoned) {
        try prepare(owner)
        if owner.count > 0 { bytes.append(UInt8(ascii: ",")) }
        owner.count += 1
    }

    @inline(__always) func keyBounds(at index: Int) -> (Int, Int) {
        if index < Self.inlineKeyCount {
            return withUnsafeBytes(of: &inlineKeyBounds) { bounds in
                (bounds.load(fromByteOffset: 16 * index, as: Int.self), bounds.load(fromByteOffset: 16 * index + 8, as: Int.self))
            }
        }
        let overflowIndex = 2 * (index - Self.inlineKeyCount)
        return (overflowKeyBounds[overflowIndex], overflowKeyBounds[overflowIndex + 1])
    }

    func pushKey(_ start: Int, _ end: Int) {
        if keyCount < Self.inlineKeyCount {
            withUnsafeMutableBytes(of: &inlineKeyBounds) { bounds in
                bounds.storeBytes(of: start, toByteOffset: 16 * keyCount, as: Int.self)
                bounds.storeBytes(of: end, toByteOffset: 16 * keyCount + 8, as: Int.self)
            }
        } else {
            let overflowIndex = 2 * (keyCount - Self.inlineKeyCount)
            overflowKeyBounds.removeSubrange(min(overflowIndex, overflowKeyBounds.count)...)
            overflowKeyBounds.append(start)
            overflowKeyBounds.append(end)
        }
        keyCount += 1
    }

    func keyText(_ bounds: (Int, Int)) -> String {
        String(decoding: bytes.slice(bounds.0..<bounds.1), as: UTF8.self)
    }

    func bytesEqual(_ first: Int, _ second: Int, count: Int) -> Bool {
        let base = bytes.base
        for offset in 0..<count where base[first + offset] != base[second + offset] { return false }
        return true
    }

    /// Writes `value` if it is of a type written without a slot of its own;
    /// returns whether it was.
    @inline(__always) func writeLeaf<T: Encodable>(_ value: T) throws(Abandoned) -> Bool {
        if T.self == String.self {
            JSONOutput.writeString(unsafeBitCast(value, to: String.self), into: &bytes)
        } else if T.self == Int.self {
            JSONOutput.writeInteger(Int64(unsafeBitCast(value, to: Int.self)), into: &bytes)
        } else if T.self == Bool.self {
            write(unsafeBitCast(value, to: Bool.self))
        } else if T.self == Double.self {
            try write(unsafeBitCast(value, to: Double.self))
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
        bytes.append(value ? "true" : "false")
    }

    func writeNull() {
        bytes.append("null")
    }
}
