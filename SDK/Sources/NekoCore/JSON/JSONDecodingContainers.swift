/// The keyed container over a JSON object. Lookups are linear searches of the
/// members, which beat hashing for small objects.
///
/// It holds a single reference, because the standard library's type-erasing
/// box copies it (a retain and a release per reference) on every call.
struct JSONKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    /// A decoder whose value is an object.
    let decoder: JSONDecoderImpl

    var object: JSONObject {
        if case .object(let object) = decoder.value { return object }
        return JSONObject()
    }

    var codingPath: [any CodingKey] { decoder.codingPath }

    var allKeys: [Key] { object.members.compactMap { Key(stringValue: $0.key) } }

    func contains(_ key: Key) -> Bool { decoder.member(key.stringValue) != nil }

    /// The value for `key`, or a `keyNotFound` error.
    @inline(__always) func value(for key: Key) throws -> JSON {
        if let value = decoder.member(key.stringValue) { return value }
        throw keyNotFound(key)
    }

    func keyNotFound(_ key: Key) -> DecodingError {
        .keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key '\(key.stringValue)'."))
    }

    /// The value for `key`, or `nil` if it is missing or `null`.
    @inline(__always) func presentValue(for key: Key) -> JSON? {
        guard let value = decoder.member(key.stringValue), !value.isNull else { return nil }
        return value
    }

    func path(_ key: Key) -> [any CodingKey] { codingPath + [key] }

    func decodeNil(forKey key: Key) throws -> Bool { try value(for: key).isNull }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try JSONDecoderImpl.unboxBool(value(for: key)) { path(key) }
    }
    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try JSONDecoderImpl.unboxString(value(for: key)) { path(key) }
    }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try JSONDecoderImpl.unboxDouble(value(for: key)) { path(key) }
    }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try JSONDecoderImpl.unboxFloat(value(for: key)) { path(key) }
    }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int {
        try JSONDecoderImpl.unboxInt(value(for: key)) { path(key) }
    }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try integer(type, key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try integer(type, key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try integer(type, key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try integer(type, key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try integer(type, key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try integer(type, key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try integer(type, key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try integer(type, key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try integer(type, key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try integer(type, key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try integer(type, key) }

    @inline(__always) func integer<I: FixedWidthInteger>(_ type: I.Type, _ key: Key) throws -> I {
        try JSONDecoderImpl.unboxInteger(value(for: key), as: type) { path(key) }
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try decoder.decodeChild(value(for: key), as: type, at: .key(key))
    }

    // One lookup each, instead of the default `contains`, `decodeNil` and `decode`.
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try present(type, key) }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try present(type, key) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try present(type, key) }
    func decodeIfPresent(_ type: Float.Type, forKey key: Key) throws -> Float? { try present(type, key) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? { try present(type, key) }
    func decodeIfPresent(_ type: Int8.Type, forKey key: Key) throws -> Int8? { try present(type, key) }
    func decodeIfPresent(_ type: Int16.Type, forKey key: Key) throws -> Int16? { try present(type, key) }
    func decodeIfPresent(_ type: Int32.Type, forKey key: Key) throws -> Int32? { try present(type, key) }
    func decodeIfPresent(_ type: Int64.Type, forKey key: Key) throws -> Int64? { try present(type, key) }
    func decodeIfPresent(_ type: Int128.Type, forKey key: Key) throws -> Int128? { try present(type, key) }
    func decodeIfPresent(_ type: UInt.Type, forKey key: Key) throws -> UInt? { try present(type, key) }
    func decodeIfPresent(_ type: UInt8.Type, forKey key: Key) throws -> UInt8? { try present(type, key) }
    func decodeIfPresent(_ type: UInt16.Type, forKey key: Key) throws -> UInt16? { try present(type, key) }
    func decodeIfPresent(_ type: UInt32.Type, forKey key: Key) throws -> UInt32? { try present(type, key) }
    func decodeIfPresent(_ type: UInt64.Type, forKey key: Key) throws -> UInt64? { try present(type, key) }
    func decodeIfPresent(_ type: UInt128.Type, forKey key: Key) throws -> UInt128? { try present(type, key) }
    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? { try present(type, key) }

    @inline(__always) func present<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        guard let value = presentValue(for: key) else { return nil }
        return try decoder.decodeChild(value, as: type, at: .key(key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try JSONDecoderImpl(value: value(for: key), parent: decoder, component: .key(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try JSONDecoderImpl(value: value(for: key), parent: decoder, component: .key(key)).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        JSONDecoderImpl(value: object[JSONStringKey.super.stringValue] ?? .null, parent: decoder, component: .key(JSONStringKey.super))
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONDecoderImpl(value: object[key.stringValue] ?? .null, parent: decoder, component: .key(key))
    }
}

/// The unkeyed container over a JSON array. Small enough (three words) to live
/// inside its existential without an allocation.
struct JSONUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: JSONDecoderImpl
    let elements: [JSON]
    private(set) var currentIndex = 0

    init(decoder: JSONDecoderImpl, elements: [JSON]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { decoder.codingPath }
    var count: Int? { elements.count }
    var isAtEnd: Bool { currentIndex >= elements.count }

    func path() -> [any CodingKey] { decoder.childPath(.index(currentIndex)) }

    /// The current element, or a `valueNotFound` error at the end.
    @inline(__always) func current(_ type: Any.Type) throws -> JSON {
        guard currentIndex < elements.count else {
            throw DecodingError.valueNotFound(type, .init(
                codingPath: path(), debugDescription: "Unkeyed container is at end.",
                underlyingError: JSONValueMismatch(expected: JSONValueMismatch.expectation(for: type), found: nil)))
        }
        return elements[currentIndex]
    }

    mutating func decodeNil() throws -> Bool {
        guard try current(Any.self).isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        let result = try JSONDecoderImpl.unboxBool(current(type)) { path() }
        currentIndex += 1
        return result
    }
    mutating func decode(_ type: String.Type) throws -> String {
        let result = try JSONDecoderImpl.unboxString(current(type)) { path() }
        currentIndex += 1
        return result
    }
    mutating func decode(_ type: Double.Type) throws -> Double {
        let result = try JSONDecoderImpl.unboxDouble(current(type)) { path() }
        currentIndex += 1
        return result
    }
    mutating func decode(_ type: Float.Type) throws -> Float {
        let result = try JSONDecoderImpl.unboxFloat(current(type)) { path() }
        currentIndex += 1
        return result
    }
    mutating func decode(_ type: Int.Type) throws -> Int {
        let result = try JSONDecoderImpl.unboxInt(current(type)) { path() }
        currentIndex += 1
        return result
    }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try integer(type) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try integer(type) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try integer(type) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try integer(type) }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try integer(type) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try integer(type) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try integer(type) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try integer(type) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try integer(type) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try integer(type) }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try integer(type) }

    @inline(__always) mutating func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        let result = try JSONDecoderImpl.unboxInteger(current(type), as: type) { path() }
        currentIndex += 1
        return result
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let index = currentIndex
        let result = try decoder.decodeChild(current(type), as: type, at: .index(index))
        currentIndex += 1
        return result
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        let container = try JSONDecoderImpl(value: current([String: Any].self), parent: decoder, component: .index(currentIndex))
            .container(keyedBy: type)
        currentIndex += 1
        return container
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let container = try JSONDecoderImpl(value: current([Any].self), parent: decoder, component: .index(currentIndex))
            .unkeyedContainer()
        currentIndex += 1
        return container
    }

    mutating func superDecoder() throws -> any Decoder {
        let superDecoder = JSONDecoderImpl(value: try current(Any.self), parent: decoder, component: .index(currentIndex))
        currentIndex += 1
        return superDecoder
    }
}
