/// The keyed container of the tree encoder.
struct JSONTreeKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONTreeEncoder
    let object: JSONTreeObject

    var codingPath: [any CodingKey] { encoder.codingPath }

    func set(_ value: JSON, _ key: Key) {
        object.set(.value(value), for: key.stringValue)
    }

    mutating func encodeNil(forKey key: Key) throws { set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { set(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { set(try encoder.checked(value, at: .key(key)), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        object.set(try encoder.boxNested(value, at: .key(key)), for: key.stringValue)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder(for: key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        nestedEncoder(for: key).unkeyedContainer()
    }

    /// An encoder for `key` whose value lives in this object from now on.
    func nestedEncoder(for key: Key) -> JSONTreeEncoder {
        let nested = JSONTreeEncoder(parent: encoder, component: .key(key))
        if let position = object.position(of: key.stringValue) {
            // Reuse a container already there, as a second request for it would.
            switch object.values[position] {
            case .object, .array: nested.storage = object.values[position]
            default: break
            }
        }
        object.set(.encoder(nested), for: key.stringValue)
        return nested
    }

    mutating func superEncoder() -> any Encoder {
        superEncoder(named: JSONStringKey.super)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        superEncoder(named: key)
    }

    func superEncoder(named key: any CodingKey) -> any Encoder {
        let nested = JSONTreeEncoder(parent: encoder, component: .key(key))
        object.set(.encoder(nested), for: key.stringValue)
        return nested
    }
}

/// The unkeyed container of the tree encoder.
struct JSONTreeUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: JSONTreeEncoder
    let array: JSONTreeArray

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { array.values.count }

    func append(_ value: JSON) {
        array.values.append(.value(value))
    }

    var next: JSONPathComponent { .index(array.values.count) }

    mutating func encodeNil() throws { append(.null) }
    mutating func encode(_ value: Bool) throws { append(.bool(value)) }
    mutating func encode(_ value: String) throws { append(.string(value)) }
    mutating func encode(_ value: Double) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Float) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Int) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Int8) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Int16) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Int32) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Int64) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: Int128) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: UInt) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: UInt8) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: UInt16) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: UInt32) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: UInt64) throws { append(try encoder.checked(value, at: next)) }
    mutating func encode(_ value: UInt128) throws { append(try encoder.checked(value, at: next)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        array.values.append(try encoder.boxNested(value, at: next))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        nestedEncoder().container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        nestedEncoder().unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        nestedEncoder()
    }

    /// An encoder for the next element, whose value lives in this array from now on.
    func nestedEncoder() -> JSONTreeEncoder {
        let nested = JSONTreeEncoder(parent: encoder, component: next)
        array.values.append(.encoder(nested))
        return nested
    }
}
