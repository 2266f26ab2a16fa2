/// The keyed container of a straight-through encode: writes each member as it
/// comes. It holds a single reference, because the standard library's
/// type-erasing box copies it on every call.
struct JSONByteKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    /// The slot whose object this container writes.
    let owner: JSONByteEncoder

    var codingPath: [any CodingKey] { owner.codingPath }

    @inline(__always) func begin(_ key: Key) throws(JSONByteWriter.Abandoned) -> JSONByteWriter {
        let writer = owner.writer
        try writer.beginMember(key.stringValue, of: owner)
        return writer
    }

    mutating func encodeNil(forKey key: Key) throws { try begin(key).writeNull() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Int, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { try begin(key).write(value) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { try begin(key).write(value) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        _ = try begin(key)
        try owner.encodeChild(value, at: .key(key))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        nestedSlot(for: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        nestedSlot(for: key).unkeyedContainer()
    }

    /// A slot for `key`, whose container the caller opens at once.
    func nestedSlot(for key: Key) -> JSONByteEncoder {
        do {
            _ = try begin(key)
        } catch {
            return owner.poisonedSlot(at: .key(key))
        }
        return owner.childSlot(at: .key(key))
    }

    mutating func superEncoder() -> any Encoder {
        owner.poisonedSlot(at: .key(JSONStringKey.super))
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        owner.poisonedSlot(at: .key(key))
    }
}

/// The unkeyed container of a straight-through encode: writes each element as
/// it comes.
struct JSONByteUnkeyedContainer: UnkeyedEncodingContainer {
    /// The slot whose array this container writes.
    let owner: JSONByteEncoder

    var codingPath: [any CodingKey] { owner.codingPath }
    var count: Int { owner.count }

    @inline(__always) func begin() throws(JSONByteWriter.Abandoned) -> JSONByteWriter {
        let writer = owner.writer
        try writer.beginElement(of: owner)
        return writer
    }

    mutating func encodeNil() throws { try begin().writeNull() }
    mutating func encode(_ value: Bool) throws { try begin().write(value) }
    mutating func encode(_ value: String) throws { try begin().write(value) }
    mutating func encode(_ value: Double) throws { try begin().write(value) }
    mutating func encode(_ value: Float) throws { try begin().write(value) }
    mutating func encode(_ value: Int) throws { try begin().write(value) }
    mutating func encode(_ value: Int8) throws { try begin().write(value) }
    mutating func encode(_ value: Int16) throws { try begin().write(value) }
    mutating func encode(_ value: Int32) throws { try begin().write(value) }
    mutating func encode(_ value: Int64) throws { try begin().write(value) }
    mutating func encode(_ value: Int128) throws { try begin().write(value) }
    mutating func encode(_ value: UInt) throws { try begin().write(value) }
    mutating func encode(_ value: UInt8) throws { try begin().write(value) }
    mutating func encode(_ value: UInt16) throws { try begin().write(value) }
    mutating func encode(_ value: UInt32) throws { try begin().write(value) }
    mutating func encode(_ value: UInt64) throws { try begin().write(value) }
    mutating func encode(_ value: UInt128) throws { try begin().write(value) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        _ = try begin()
        try owner.encodeChild(value, at: .index(owner.count - 1))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nestedSlot().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        nestedSlot().unkeyedContainer()
    }

    /// A slot for the next element, whose container the caller opens at once.
    func nestedSlot() -> JSONByteEncoder {
        do {
            _ = try begin()
        } catch {
            return owner.poisonedSlot(at: .index(owner.count))
        }
        return owner.childSlot(at: .index(owner.count - 1))
    }

    mutating func superEncoder() -> any Encoder {
        owner.poisonedSlot(at: .index(owner.count))
    }
}
