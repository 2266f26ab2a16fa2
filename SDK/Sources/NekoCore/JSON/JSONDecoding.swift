/// Decodes `Decodable` values from JSON, fast.
///
/// ```swift
/// let arguments = try NekoJSONDecoder().decode(SetArguments.self, from: bytes)
/// ```
///
/// It parses the bytes into a ``JSON`` tree, then walks the tree with a lean
/// `Decoder`. Failures are the standard `DecodingError`s with an accurate
/// `codingPath`; `init(_:)` turns one into a
/// message that names the field, and `decodeArguments(_:from:)`
/// does both at once.
///
/// Conversions: an integer type accepts an integer, or a double with an
/// integral value (`3.0` but not `3.5`); a value outside the type's range is an
/// error. `Double` and `Float` accept any number. `Bool` accepts only `true`
/// and `false`; `String` only strings. A property of type ``JSON`` receives
/// the raw subtree. Foundation types decode through their own `Codable`
/// implementations, without the special cases of Foundation's `JSONDecoder`.
public struct NekoJSONDecoder: Sendable {
    /// Values handed to `init(from:)` implementations as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]
    /// How deeply arrays and objects may nest in the bytes decoded.
    public var maximumDepth: Int

    /// Makes a decoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:], maximumDepth: Int = JSON.defaultMaximumDepth) {
        self.userInfo = userInfo
        self.maximumDepth = maximumDepth
    }

    /// Decodes a `T` from UTF-8 JSON bytes.
    ///
    /// Bytes that are not valid JSON throw `DecodingError.dataCorrupted` whose
    /// `underlyingError` is the ``JSONParseError``.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        let json: JSON
        do {
            json = try JSON.parse(bytes, maximumDepth: maximumDepth)
        } catch {
            throw DecodingError.dataCorrupted(.init(
                codingPath: [], debugDescription: "The given data was not valid JSON: \(error)", underlyingError: error))
        }
        return try decode(type, from: json)
    }

    /// Decodes a `T` from UTF-8 JSON bytes; see `decode(_:from:)`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try bytes.withUnsafeBytes { try decode(type, from: $0) }
    }

    /// Decodes a `T` from a parsed ``JSON`` value.
    public func decode<T: Decodable>(_ type: T.Type, from json: JSON) throws -> T {
        if T.self == JSON.self { return unsafeBitCast(json, to: T.self) }
        return try T(from: JSONDecoderImpl(value: json, parent: nil, component: nil, userInfo: userInfo))
    }

    /// Decodes the arguments of an entry call, turning any failure into an
    /// ``ArgumentError`` that names the field, eg
    /// `argument 'items[2].id' must be an integer, got "x"`.
    public func decodeArguments<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws(ArgumentError) -> T {
        do {
            return try decode(type, from: bytes)
        } catch {
            throw ArgumentError(error)
        }
    }

    /// Decodes the arguments of an entry call from bytes; see
    /// `decodeArguments(_:from:)`.
    public func decodeArguments<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(ArgumentError) -> T {
        do {
            return try decode(type, from: bytes)
        } catch {
            throw ArgumentError(error)
        }
    }
}

/// The `Decoder` over one value of the tree. It is its own single-value
/// container, and builds its `codingPath` from its parents only when asked.
final class JSONDecoderImpl: Decoder, SingleValueDecodingContainer {
    let value: JSON
    let parent: JSONDecoderImpl?
    let component: JSONPathComponent?
    /// Set on the root only, and only when not empty; the others ask their root.
    let rootUserInfo: UserInfoBox?

    /// `userInfo` in a box, so that decoders without any carry a single null pointer.
    final class UserInfoBox {
        let values: [CodingUserInfoKey: any Sendable]
        init(_ values: [CodingUserInfoKey: any Sendable]) { self.values = values }
    }

    init(value: JSON, parent: JSONDecoderImpl?, component: JSONPathComponent?, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.value = value
        self.parent = parent
        self.component = component
        self.rootUserInfo = userInfo.isEmpty ? nil : UserInfoBox(userInfo)
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var node: JSONDecoderImpl? = self
        while let current = node {
            if let component = current.component { path.append(component.codingKey) }
            node = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] {
        var root = self
        while let parent = root.parent { root = parent }
        guard let values = root.rootUserInfo?.values else { return [:] }
        return values
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object = value else {
            throw Self.mismatch([String: Any].self, found: value, path: codingPath)
        }
        return KeyedDecodingContainer(JSONKeyedDecodingContainer<Key>(decoder: self))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = value else {
            throw Self.mismatch([Any].self, found: value, path: codingPath)
        }
        return JSONUnkeyedDecodingContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        self
    }

    // MARK: Single value

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try Self.unboxBool(value) { codingPath } }
    func decode(_ type: String.Type) throws -> String { try Self.unboxString(value) { codingPath } }
    func decode(_ type: Double.Type) throws -> Double { try Self.unboxDouble(value) { codingPath } }
    func decode(_ type: Float.Type) throws -> Float { try Self.unboxFloat(value) { codingPath } }
    func decode(_ type: Int.Type) throws -> Int { try Self.unboxInt(value) { codingPath } }
    func decode(_ type: Int8.Type) throws -> Int8 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: Int16.Type) throws -> Int16 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: Int32.Type) throws -> Int32 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: Int64.Type) throws -> Int64 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: Int128.Type) throws -> Int128 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: UInt.Type) throws -> UInt { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try Self.unboxInteger(value, as: type) { codingPath } }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try Self.unboxInteger(value, as: type) { codingPath } }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == JSON.self { return unsafeBitCast(value, to: T.self) }
        return try T(from: self)
    }

    /// Decodes `value`, a child of this decoder's value at `component`, taking
    /// the fast path for the common leaf types.
    @inline(__always)
    func decodeChild<T: Decodable>(_ value: JSON, as type: T.Type, at component: @autoclosure () -> JSONPathComponent) throws -> T {
        if T.self == String.self {
            return unsafeBitCast(try Self.unboxString(value) { childPath(component()) }, to: T.self)
        } else if T.self == Int.self {
            return unsafeBitCast(try Self.unboxInt(value) { childPath(component()) }, to: T.self)
        } else if T.self == Bool.self {
            return unsafeBitCast(try Self.unboxBool(value) { childPath(component()) }, to: T.self)
        } else if T.self == Double.self {
            return unsafeBitCast(try Self.unboxDouble(value) { childPath(component()) }, to: T.self)
        } else if T.self == JSON.self {
            return unsafeBitCast(value, to: T.self)
        }
        return try T(from: JSONDecoderImpl(value: value, parent: self, component: component()))
    }

    /// The value of the member named `key`, if this decoder's value is an
    /// object that has one.
    @inline(__always) func member(_ key: String) -> JSON? {
        guard case .object(let object) = value else { return nil }
        let length = key.utf8.count
        return object.members.withUnsafeBufferPointer { members in
            // Comparing lengths first skips most string comparisons.
            for index in members.indices where members[index].key.utf8.count == length && members[index].key == key {
                return members[index].value
            }
            return nil
        }
    }

    func childPath(_ component: JSONPathComponent) -> [any CodingKey] {
        codingPath + [component.codingKey]
    }

    // MARK: Unboxing

    @inline(__always)
    static func unboxString(_ value: JSON, path: () -> [any CodingKey]) throws -> String {
        if case .string(let string) = value { return string }
        throw mismatch(String.self, found: value, path: path())
    }

    @inline(__always)
    static func unboxBool(_ value: JSON, path: () -> [any CodingKey]) throws -> Bool {
        if case .bool(let flag) = value { return flag }
        throw mismatch(Bool.self, found: value, path: path())
    }

    @inline(__always)
    static func unboxDouble(_ value: JSON, path: () -> [any CodingKey]) throws -> Double {
        switch value {
        case .double(let number): return number
        case .int(let number): return Double(number)
        default: throw mismatch(Double.self, found: value, path: path())
        }
    }

    static func unboxFloat(_ value: JSON, path: () -> [any CodingKey]) throws -> Float {
        let number = try unboxDouble(value, path: path)
        let narrowed = Float(number)
        guard narrowed.isFinite else {
            throw outOfRange(Float.self, expected: "a number within the range of Float", found: value, path: path())
        }
        return narrowed
    }

    /// `Int` on its own, non-generic path: the common case must not go through
    /// a generic `FixedWidthInteger` (which the optimizer may merge into).
    @inline(__always)
    static func unboxInt(_ value: JSON, path: () -> [any CodingKey]) throws -> Int {
        if case .int(let number) = value, let result = Int(exactly: number) { return result }
        return try unboxInteger(value, as: Int.self, path: path)
    }

    @inline(__always)
    static func unboxInteger<I: FixedWidthInteger>(_ value: JSON, as type: I.Type, path: () -> [any CodingKey]) throws -> I {
        switch value {
        case .int(let number):
            if let result = I(exactly: number) { return result }
        case .double(let number) where JSON.isIntegral(number):
            if let result = JSON.exactInteger(number, as: I.self) { return result }
        default:
            throw mismatch(I.self, found: value, path: path())
        }
        throw outOfRange(I.self, expected: "an integer between \(I.min) and \(I.max)", found: value, path: path())
    }

    // MARK: Errors

    static func mismatch(_ type: Any.Type, found: JSON, path: [any CodingKey]) -> DecodingError {
        let expected = JSONValueMismatch.expectation(for: type)
        let detail = JSONValueMismatch(expected: expected, found: found)
        if found.isNull {
            return .valueNotFound(type, .init(
                codingPath: path, debugDescription: "Expected \(expected) but found null instead.", underlyingError: detail))
        }
        return .typeMismatch(type, .init(
            codingPath: path, debugDescription: "Expected \(expected) but found \(ArgumentError.describe(found)) instead.",
            underlyingError: detail))
    }

    static func outOfRange(_ type: Any.Type, expected: String, found: JSON, path: [any CodingKey]) -> DecodingError {
        .dataCorrupted(.init(
            codingPath: path, debugDescription: "The number \(found) does not fit in \(type).",
            underlyingError: JSONValueMismatch(expected: expected, found: found)))
    }
}
