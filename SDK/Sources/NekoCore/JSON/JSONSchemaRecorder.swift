/// The `Decoder` behind ``JSONSchema/derived(from:)``: it records what it is
/// asked for and hands out placeholder values.
///
/// A shallow recorder reports arrays as empty and optionals as absent, so that
/// a recursive type, or one whose elements reject every placeholder, still
/// decodes.
final class SchemaRecorder: Decoder, SingleValueDecodingContainer {
    /// What the value turned out to be.
    enum Shape {
        case unknown
        case scalar(JSON)
        case object(SchemaObjectRecord)
        case array(SchemaArrayRecord)
    }

    /// The placeholder strings, one a flavor: tried in turn when a type rejects one.
    static let placeholderStrings = ["", "a", "https://example.com/", "00000000-0000-0000-0000-000000000000", "2000-01-01T00:00:00Z"]
    static var flavorCount: Int { placeholderStrings.count }

    let derivation: SchemaDerivation
    let depth: Int
    let isShallow: Bool
    let flavor: Int
    var shape = Shape.unknown

    init(derivation: SchemaDerivation, depth: Int, isShallow: Bool, flavor: Int) {
        self.derivation = derivation
        self.depth = depth
        self.isShallow = isShallow
        self.flavor = flavor
    }

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    var schema: JSON {
        switch shape {
        case .unknown: [:]
        case .scalar(let schema): schema
        case .object(let record): record.schema
        case .array(let record): record.schema
        }
    }

    var recordedPropertyCount: Int {
        if case .object(let record) = shape { return record.properties.count }
        return 0
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let record: SchemaObjectRecord
        if case .object(let existing) = shape {
            record = existing
        } else {
            record = SchemaObjectRecord()
            record.isClosed = derivation.closesObjects && !isShallow
            shape = .object(record)
        }
        return KeyedDecodingContainer(SchemaKeyedRecorder<Key>(recorder: self, record: record))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        let record: SchemaArrayRecord
        if case .array(let existing) = shape {
            record = existing
        } else {
            record = SchemaArrayRecord()
            record.isExhausted = isShallow
            shape = .array(record)
        }
        return SchemaUnkeyedRecorder(recorder: self, record: record)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        self
    }

    /// A recorder for a container that will be filled after this call returns.
    func deferredChild() -> SchemaRecorder {
        SchemaRecorder(derivation: derivation, depth: depth + 1, isShallow: isShallow, flavor: 0)
    }

    // MARK: Single value

    func decodeNil() -> Bool { false }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let (schema, value) = try record(type)
        shape = .scalar(schema)
        return value
    }

    // MARK: Recording

    /// The schema of a `T` and a placeholder `T`.
    func record<T: Decodable>(_ type: T.Type) throws -> (schema: JSON, value: T) {
        if let leaf = leaf(type) { return leaf }
        if T.self == JSON.self { return ([:], JSON.null as! T) }
        // Only an enum can list its cases: asking any other type costs a
        // conformance lookup that scans every loaded image (see `isEnum`).
        if Self.isEnum(T.self), let caseType = T.self as? any (CaseIterable & RawRepresentable).Type,
           let enumeration = Self.enumeration(caseType), let value = enumeration.first as? T {
            return (enumeration.schema, value)
        }
        guard depth < SchemaDerivation.maximumDepth else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "The type nests too deeply."))
        }
        let identifier = ObjectIdentifier(T.self)
        let isRecursive = derivation.typesInProgress.contains(identifier)
        derivation.typesInProgress.append(identifier)
        defer { derivation.typesInProgress.removeLast() }

        var lastError: any Error = DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "No placeholder fits."))
        for flavor in 0..<Self.flavorCount {
            if flavor > 0 {
                guard derivation.retries < SchemaDerivation.retryBudget else { break }
                derivation.retries += 1
            }
            let child = SchemaRecorder(derivation: derivation, depth: depth + 1, isShallow: isShallow || isRecursive, flavor: flavor)
            do {
                let value = try T(from: child)
                return (isRecursive ? [:] : child.schema, value)
            } catch {
                lastError = error
            }
        }
        if !isShallow && !isRecursive {
            // Perhaps an array or optional inside rejects every placeholder: do without them.
            let child = SchemaRecorder(derivation: derivation, depth: depth + 1, isShallow: true, flavor: 0)
            if let value = try? T(from: child) { return (child.schema, value) }
        }
        throw lastError
    }

    /// The schema and placeholder of the leaf types: strings, numbers, Booleans.
    func leaf<T>(_ type: T.Type) -> (schema: JSON, value: T)? {
        if T.self == String.self { return (["type": "string"], Self.placeholderStrings[flavor] as! T) }
        if T.self == Bool.self { return (["type": "boolean"], (flavor > 0) as! T) }
        if let integerType = Self.standardInteger(T.self) {
            let (schema, value) = Self.integer(integerType, flavor: flavor)
            return (schema, value as! T)
        }
        if T.self == Double.self { return (["type": "number"], Double(flavor > 0 ? 1 : 0) as! T) }
        if T.self == Float.self { return (["type": "number"], Float(flavor > 0 ? 1 : 0) as! T) }
        return nil
    }

    /// The standard library's integer types, compared by identity.
    ///
    /// Not `T.self as? any FixedWidthInteger.Type`: for a type the runtime has
    /// not seen (every plugin's own argument types, and the SDK's, which each
    /// plugin links a copy of) that cast scans the conformance records of
    /// every loaded image, and a plugin's schemas asked it hundreds of times
    /// per load: a third of the time a further Swift plugin took to load.
    static func standardInteger(_ type: Any.Type) -> (any FixedWidthInteger.Type)? {
        let integerTypes: [any FixedWidthInteger.Type] = [
            Int.self, Int8.self, Int16.self, Int32.self, Int64.self, UInt.self, UInt8.self, UInt16.self, UInt32.self, UInt64.self,
        ]
        return integerTypes.first { $0 == type }
    }

    /// Whether `type` is an enum, read from its metadata's kind word
    /// (`MetadataKind::Enum`, 0x201, part of the Swift runtime's stable ABI),
    /// which costs no conformance lookup.
    static func isEnum(_ type: Any.Type) -> Bool {
        unsafeBitCast(type, to: UnsafeRawPointer.self).load(as: UInt.self) == 0x201
    }

    static func integer<I: FixedWidthInteger>(_ type: I.Type, flavor: Int) -> (JSON, Any) {
        var schema: JSONObject = ["type": "integer"]
        if I.bitWidth < 64 {
            schema["minimum"] = .int(Int64(I.min))
            schema["maximum"] = .int(Int64(I.max))
        } else if !I.isSigned {
            schema["minimum"] = 0
        }
        return (.object(schema), flavor > 0 ? 1 as I : 0 as I)
    }

    /// The schema of a `CaseIterable` enum with string or integer raw values,
    /// and its first case.
    static func enumeration<E: CaseIterable & RawRepresentable>(_ type: E.Type) -> (schema: JSON, first: Any)? {
        var values: [JSON] = []
        var typeName: JSON = "string"
        for value in E.allCases {
            switch value.rawValue as Any {
            case let text as String:
                values.append(.string(text))
            case let number as any BinaryInteger:
                guard let integer = Int64(exactly: number) else { return nil }
                values.append(.int(integer))
                typeName = "integer"
            default:
                return nil
            }
        }
        guard let first = E.allCases.first else { return nil }
        return (["type": typeName, "enum": .array(values)], first)
    }
}
