/// The keyed container of a ``SchemaRecorder``: records each property it is
/// asked for, and whether it is required.
struct SchemaKeyedRecorder<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let recorder: SchemaRecorder
    let record: SchemaObjectRecord

    var codingPath: [any CodingKey] { [] }

    /// Offers one key, so that a dictionary decodes (and reveals) its values.
    var allKeys: [Key] {
        guard !recorder.isShallow, let key = Key(stringValue: SchemaObjectRecord.anyKey) else { return [] }
        record.offeredAnyKey = true
        return [key]
    }

    func contains(_ key: Key) -> Bool {
        record.testedKeys.insert(key.stringValue)
        return !recorder.isShallow
    }

    func decodeNil(forKey key: Key) throws -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try property(type, key)
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try optionalProperty(type, key)
    }

    /// Records a required property and returns its placeholder.
    func property<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T {
        do {
            let (schema, value) = try recorder.record(type)
            record.record(key.stringValue, .schema(schema), isRequired: true)
            return value
        } catch {
            record.record(key.stringValue, .schema([:]), isRequired: true)
            throw error
        }
    }

    /// Records an optional property; returns `nil`.
    func optionalProperty<T: Decodable>(_ type: T.Type, _ key: Key) throws -> T? {
        let schema = recorder.isShallow ? [:] : ((try? recorder.record(type))?.schema ?? [:])
        record.record(key.stringValue, .schema(schema), isRequired: false)
        return nil
    }

    // The generic methods above also serve as the leaf types' requirements.

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try deferredChild(for: key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try deferredChild(for: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        deferredChild(for: nil)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        deferredChild(for: key)
    }

    /// A recorder for `key` (or `super`), whose schema is read at the end.
    func deferredChild(for key: Key?) -> SchemaRecorder {
        let child = recorder.deferredChild()
        record.record(key?.stringValue ?? JSONStringKey.super.stringValue, .recorder(child), isRequired: true)
        return child
    }
}

/// The unkeyed container of a ``SchemaRecorder``: reports one element, whose
/// schema becomes the array's `"items"`, then its end.
struct SchemaUnkeyedRecorder: UnkeyedDecodingContainer {
    let recorder: SchemaRecorder
    let record: SchemaArrayRecord

    var codingPath: [any CodingKey] { [] }
    var count: Int? { nil }
    var isAtEnd: Bool { record.isExhausted }
    var currentIndex: Int { record.isExhausted ? 1 : 0 }

    mutating func decodeNil() throws -> Bool { false }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        defer { record.isExhausted = true }
        do {
            let (schema, value) = try recorder.record(type)
            if record.items == nil { record.items = .schema(schema) }
            return value
        } catch {
            record.items = .schema([:])
            throw error
        }
    }

    mutating func decodeIfPresent<T: Decodable>(_ type: T.Type) throws -> T? {
        defer { record.isExhausted = true }
        if record.items == nil { record.items = .schema((try? recorder.record(type))?.schema ?? [:]) }
        return nil
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try deferredChild().container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try deferredChild().unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder {
        deferredChild()
    }

    /// A recorder for the element, whose schema is read at the end.
    func deferredChild() -> SchemaRecorder {
        let child = recorder.deferredChild()
        if record.items == nil { record.items = .recorder(child) }
        record.isExhausted = true
        return child
    }
}
