/// The `Encoder` of one slot (a place where one value goes) of a
/// straight-through encode. It is its own single-value container.
final class JSONByteEncoder: Encoder, SingleValueEncodingContainer {
    enum State {
        /// Nothing written yet; counted in the writer's `unfilledSlots`.
        case unfilled
        /// Holds the container opened at `index` of the writer's frames.
        case container(index: Int, id: Int, isObject: Bool)
        /// Holds a single value.
        case value
        /// Asked for something the writer cannot do; the encode is abandoned.
        case poisoned
    }

    let writer: JSONByteWriter
    let parent: JSONByteEncoder?
    let component: JSONPathComponent?
    @exclusivity(unchecked) var state: State

    init(writer: JSONByteWriter, parent: JSONByteEncoder?, component: JSONPathComponent?, state: State = .unfilled) {
        self.writer = writer
        self.parent = parent
        self.component = component
        self.state = state
    }

    var isFilled: Bool {
        switch state {
        case .container, .value: true
        case .unfilled, .poisoned: false
        }
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var node: JSONByteEncoder? = self
        while let current = node {
            if let component = current.component { path.append(component.codingKey) }
            node = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { writer.userInfo }

    /// Encodes `value` into this unfilled slot. A value that encodes nothing
    /// becomes `{}` when `emptyAsObject`, as in Foundation.
    func encodeNested<T: Encodable>(_ value: T, emptyAsObject: Bool = true) throws {
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
            JSONOutput.append("{}", to: &writer.bytes)
        case .container(let index, let id, _):
            writer.closeFrame(at: index, id: id)
        default:
            break
        }
    }

    /// Makes a child slot for the value at `component`, and encodes `value` into it.
    @inline(__always) func encodeChild<T: Encodable>(_ value: T, at component: @autoclosure () -> JSONPathComponent) throws {
        if try writer.writeLeaf(value) { return }
        let child = JSONByteEncoder(writer: writer, parent: self, component: component())
        writer.unfilledSlots += 1
        try child.encodeNested(value)
    }

    func fill() {
        state = .value
        writer.unfilledSlots -= 1
    }

    /// The frame for a container of this slot: a new one, or the one it already has.
    func frame(isObject: Bool) -> (index: Int, id: Int) {
        switch state {
        case .unfilled:
            writer.unfilledSlots -= 1
            let frame = writer.openFrame(isObject: isObject)
            state = .container(index: frame.index, id: frame.id, isObject: isObject)
            return frame
        case .container(let index, let id, isObject) where writer.isOpen(index, id: id):
            return (index, id)
        default:
            writer.needsTree = true
            state = .poisoned
            return (Int.max, 0)
        }
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let frame = frame(isObject: true)
        return KeyedEncodingContainer(JSONByteKeyedContainer<Key>(encoder: self, frameIndex: frame.index, frameID: frame.id))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let frame = frame(isObject: false)
        return JSONByteUnkeyedContainer(encoder: self, frameIndex: frame.index, frameID: frame.id)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    // MARK: Single value

    /// Claims this slot for a single value.
    @inline(__always) func beginValue() throws(JSONByteWriter.Abandoned) {
        guard case .unfilled = state else { throw writer.abandon() }
        fill()
    }

    func encodeNil() throws { try beginValue(); writer.writeNull() }
    func encode(_ value: Bool) throws { try beginValue(); writer.write(value) }
    func encode(_ value: String) throws { try beginValue(); writer.write(value) }
    func encode(_ value: Double) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Float) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Int) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Int8) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Int16) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Int32) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Int64) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: Int128) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: UInt) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: UInt8) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: UInt16) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: UInt32) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: UInt64) throws { try beginValue(); try writer.write(value) }
    func encode(_ value: UInt128) throws { try beginValue(); try writer.write(value) }

    func encode<T: Encodable>(_ value: T) throws {
        guard case .unfilled = state else { throw writer.abandon() }
        try encodeNested(value)
    }
}

/// The keyed container of a straight-through encode: writes each member as it comes.
struct JSONByteKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONByteEncoder
    let frameIndex: Int
    let frameID: Int

    var codingPath: [any CodingKey] { encoder.codingPath }

    @inline(__always) func begin(_ key: Key) throws(JSONByteWriter.Abandoned) {
        try encoder.writer.beginMember(key.stringValue, frame: frameIndex, id: frameID)
    }

    mutating func encodeNil(forKey key: Key) throws { try begin(key); encoder.writer.writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try begin(key); encoder.writer.write(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try begin(key); encoder.writer.write(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try begin(key); try encoder.writer.write(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try begin(key)
        try encoder.encodeChild(value, at: .key(key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder(for: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        nestedEncoder(for: key).unkeyedContainer()
    }

    /// A slot for `key`, whose container the caller opens at once; poisoned if
    /// the key cannot be written now.
    func nestedEncoder(for key: Key) -> JSONByteEncoder {
        do {
            try begin(key)
        } catch {
            return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .key(key), state: .poisoned)
        }
        encoder.writer.unfilledSlots += 1
        return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .key(key))
    }

    mutating func superEncoder() -> any Encoder {
        encoder.writer.needsTree = true
        return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .key(JSONStringKey.super), state: .poisoned)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.writer.needsTree = true
        return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .key(key), state: .poisoned)
    }
}

/// The unkeyed container of a straight-through encode. Three words, so it
/// lives inside its existential without an allocation.
struct JSONByteUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: JSONByteEncoder
    let frameIndex: Int
    let frameID: Int

    var codingPath: [any CodingKey] { encoder.codingPath }

    var count: Int {
        encoder.writer.isOpen(frameIndex, id: frameID) ? encoder.writer.entries[frameIndex].first : 0
    }

    @inline(__always) func begin() throws(JSONByteWriter.Abandoned) {
        try encoder.writer.beginElement(frame: frameIndex, id: frameID)
    }

    mutating func encodeNil() throws { try begin(); encoder.writer.writeNull() }
    mutating func encode(_ value: Bool) throws { try begin(); encoder.writer.write(value) }
    mutating func encode(_ value: String) throws { try begin(); encoder.writer.write(value) }
    mutating func encode(_ value: Double) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Float) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Int) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Int8) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Int16) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Int32) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Int64) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: Int128) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt8) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt16) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt32) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt64) throws { try begin(); try encoder.writer.write(value) }
    mutating func encode(_ value: UInt128) throws { try begin(); try encoder.writer.write(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        let index = count - 1
        try encoder.encodeChild(value, at: .index(index))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        nestedEncoder().unkeyedContainer()
    }

    /// A slot for the next element, whose container the caller opens at once.
    func nestedEncoder() -> JSONByteEncoder {
        do {
            try begin()
        } catch {
            return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .index(count), state: .poisoned)
        }
        encoder.writer.unfilledSlots += 1
        return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .index(count - 1))
    }

    mutating func superEncoder() -> any Encoder {
        encoder.writer.needsTree = true
        return JSONByteEncoder(writer: encoder.writer, parent: encoder, component: .index(count), state: .poisoned)
    }
}
