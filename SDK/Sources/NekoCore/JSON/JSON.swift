/// A JSON value, as RFC 8259 defines it.
///
/// Every plugin entry call carries its arguments and its result as UTF-8 JSON;
/// `JSON` is the parsed form of such a document. Parse one with
/// `JSON.parse(_:)`, write one with
/// `serialized()`, and build one with literals:
///
/// ```swift
/// let arguments: JSON = ["key": "a", "n": 3, "tags": ["x", "y"], "note": nil]
/// ```
///
/// Numbers keep the form they were written in: a literal with neither a
/// fraction nor an exponent that fits in `Int64` is an ``int(_:)``; any other
/// number is a ``double(_:)``. (`-0` is the one exception: it parses as
/// `.double(-0.0)`, so that its sign survives.)
///
/// Equality follows JSON's meaning rather than the spelling: numbers compare by
/// value (`.int(3) == .double(3.0)`), and objects compare as sets of members,
/// whatever their order. Hashing agrees with that equality.
public enum JSON: Sendable {
    /// The literal `null`.
    case null
    /// The literal `true` or `false`.
    case bool(Bool)
    /// A number written without a fraction or an exponent that fits in `Int64`.
    case int(Int64)
    /// Any other number. Parsed values are always finite.
    case double(Double)
    /// A string.
    case string(String)
    /// An array of values.
    case array([JSON])
    /// An object: members in the order they were written, with unique keys.
    case object(JSONObject)
}

// MARK: - Reading values

extension JSON {
    /// The JSON Schema name of this value's type: `"null"`, `"boolean"`,
    /// `"integer"`, `"number"`, `"string"`, `"array"` or `"object"`.
    ///
    /// An ``int(_:)`` is an `"integer"`; a ``double(_:)`` is a `"number"`, even
    /// when it is integral. Error messages use these names.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int: "integer"
        case .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Whether this value is `null`.
    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The Boolean, if this value is `true` or `false`.
    public var boolValue: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    /// The string, if this value is a string.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// The number as an `Int64`, if this value is an integer, or a double with
    /// an integral value that fits (`3.0` gives `3`; `3.5` gives `nil`).
    public var int64Value: Int64? {
        switch self {
        case .int(let value): value
        case .double(let value): JSON.exactInt64(value)
        default: nil
        }
    }

    /// The number as an `Int`, on the same terms as ``int64Value``.
    public var intValue: Int? {
        int64Value.flatMap { Int(exactly: $0) }
    }

    /// The number as a `Double`, if this value is a number of either kind.
    /// Integers beyond 2^53 round to the nearest `Double`.
    public var doubleValue: Double? {
        switch self {
        case .int(let value): Double(value)
        case .double(let value): value
        default: nil
        }
    }

    /// The elements, if this value is an array.
    public var arrayValue: [JSON]? {
        if case .array(let value) = self { return value }
        return nil
    }

    /// The members, if this value is an object.
    public var objectValue: JSONObject? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The value of the member named `key`, if this value is an object that has one.
    public subscript(key: String) -> JSON? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    /// The element at `index`, if this value is an array that long.
    public subscript(index: Int) -> JSON? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }
}

// MARK: - Integral doubles

extension JSON {
    /// `value` as an `Int64`, if it is integral and in range.
    ///
    /// Swift's own `Int64(exactly:)` and `rounded()` call libm's `trunc`,
    /// which a plugin that does not link libm cannot resolve; this compiles to
    /// plain conversions.
    @inline(__always) static func exactInt64(_ value: Double) -> Int64? {
        // -2^63 ... 2^63 (exclusive); NaN fails both comparisons.
        guard value >= -9_223_372_036_854_775_808.0, value < 9_223_372_036_854_775_808.0 else { return nil }
        let integer = Int64(value)
        return Double(integer) == value ? integer : nil
    }

    /// `value` as an `I`, if it is integral and fits (up to 64 bits).
    static func exactInteger<I: FixedWidthInteger>(_ value: Double, as type: I.Type) -> I? {
        if let integer = exactInt64(value) { return I(exactly: integer) }
        guard value >= 9_223_372_036_854_775_808.0, value < 18_446_744_073_709_551_616.0 else { return nil }
        return I(exactly: UInt64(value))  // every double this large is integral
    }

    /// Whether `value` is finite and has no fractional part.
    static func isIntegral(_ value: Double) -> Bool {
        guard value.isFinite else { return false }
        // From 2^52 on every double is an integer; below, the conversion is exact.
        return value.magnitude >= 4_503_599_627_370_496.0 || Double(Int64(value)) == value
    }
}

// MARK: - Equality and hashing

extension JSON: Hashable {
    /// Whether two values mean the same JSON: numbers compare by value whatever
    /// their case, and objects compare regardless of member order.
    public static func == (lhs: JSON, rhs: JSON) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): true
        case let (.bool(a), .bool(b)): a == b
        case let (.int(a), .int(b)): a == b
        case let (.double(a), .double(b)): a == b
        case let (.int(a), .double(b)), let (.double(b), .int(a)): JSON.exactInt64(b) == a
        case let (.string(a), .string(b)): a == b
        case let (.array(a), .array(b)): a == b
        case let (.object(a), .object(b)): a == b
        default: false
        }
    }

    /// Hashes the value consistently with ``==(_:_:)``: an integral double
    /// hashes like the equal integer.
    public func hash(into hasher: inout Hasher) {
        switch self {
        case .null:
            hasher.combine(0 as UInt8)
        case .bool(let value):
            hasher.combine(1 as UInt8)
            hasher.combine(value)
        case .int(let value):
            hasher.combine(2 as UInt8)
            hasher.combine(value)
        case .double(let value):
            if let integer = JSON.exactInt64(value) {
                hasher.combine(2 as UInt8)
                hasher.combine(integer)
            } else {
                hasher.combine(3 as UInt8)
                hasher.combine(value)
            }
        case .string(let value):
            hasher.combine(4 as UInt8)
            hasher.combine(value)
        case .array(let value):
            hasher.combine(5 as UInt8)
            hasher.combine(value)
        case .object(let value):
            hasher.combine(6 as UInt8)
            hasher.combine(value)
        }
    }
}

// MARK: - Literals

extension JSON: ExpressibleByNilLiteral {
    /// Makes `null` from the `nil` literal.
    public init(nilLiteral: ()) {
        self = .null
    }
}

extension JSON: ExpressibleByBooleanLiteral {
    /// Makes `true` or `false` from a Boolean literal.
    public init(booleanLiteral value: Bool) {
        self = .bool(value)
    }
}

extension JSON: ExpressibleByIntegerLiteral {
    /// Makes an integer from an integer literal.
    public init(integerLiteral value: Int64) {
        self = .int(value)
    }
}

extension JSON: ExpressibleByFloatLiteral {
    /// Makes a double from a floating-point literal.
    public init(floatLiteral value: Double) {
        self = .double(value)
    }
}

extension JSON: ExpressibleByStringLiteral {
    /// Makes a string from a string literal.
    public init(stringLiteral value: String) {
        self = .string(value)
    }
}

extension JSON: ExpressibleByArrayLiteral {
    /// Makes an array from an array literal.
    public init(arrayLiteral elements: JSON...) {
        self = .array(elements)
    }
}

extension JSON: ExpressibleByDictionaryLiteral {
    /// Makes an object from a dictionary literal, keeping the written order.
    /// When a key repeats, the last value wins.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(JSONObject(elements.lazy.map { (key: $0.0, value: $0.1) }))
    }
}
