/// What one compiled schema (one node of a ``JSONSchemaValidator``) checks.
///
/// Child schemas are indices into the validator's node table, so that
/// `$ref` cycles need no reference cycles. Every message text that depends
/// only on the schema (`an integer >= 0`, `one of "a", "b"`) is made here, at
/// compile time.
struct SchemaRules: Sendable {
    /// Where this schema is, as a JSON pointer: `#/properties/id`.
    var pointer: String
    /// The `false` schema: nothing is valid.
    var rejectsEverything = false
    /// Nothing to check: `true`, `{}`, or only annotations.
    var acceptsEverything = true

    /// The `type` keyword; `nil` allows every type.
    var types: SchemaTypes? = nil
    /// What `type` asks for, with the number bounds when only numbers are
    /// allowed: `an integer >= 0 or null`.
    var typeExpectation = ""

    var enumValues: [JSON]? = nil
    var enumExpectation = ""
    var constValue: JSON? = nil

    var bounds: NumberBounds? = nil
    /// What the bounds ask for: `an integer between 1 and 10`.
    var boundsExpectation = ""

    var minLength: Int? = nil
    var maxLength: Int? = nil
    var pattern: SchemaPattern? = nil
    var format: SchemaFormat? = nil

    var prefixItems: [Int] = []
    var items: Int? = nil
    var minItems: Int? = nil
    var maxItems: Int? = nil

    var properties: [SchemaProperty] = []
    /// How many of `properties` are required.
    var requiredPropertyCount = 0
    /// Required keys with no entry in `properties`.
    var requiredElsewhere: [String] = []
    /// Every required key, in the schema's order (for messages).
    var required: [String] = []
    /// `patternProperties`: members whose key matches a pattern get its schema.
    var patternProperties: [(pattern: SchemaPattern, node: Int)] = []
    var additionalProperties = AdditionalProperties.allowed

    var ref: Int? = nil
    var allOf: [Int] = []
    var anyOf: [Int] = []
    var oneOf: [Int] = []
    var not: Int? = nil

    /// Whether any keyword about strings, arrays or objects is present.
    var checksStrings: Bool { minLength != nil || maxLength != nil || pattern != nil || format != nil }
    var checksArrays: Bool { minItems != nil || maxItems != nil || items != nil || !prefixItems.isEmpty }
    var checksObjects: Bool {
        !properties.isEmpty || !requiredElsewhere.isEmpty || !patternProperties.isEmpty || { if case .allowed = additionalProperties { false } else { true } }()
    }

    init(pointer: String) {
        self.pointer = pointer
    }
}

/// The JSON types that a `type` keyword allows.
struct SchemaTypes: OptionSet, Sendable {
    let rawValue: UInt8

    static let null = SchemaTypes(rawValue: 1)
    static let boolean = SchemaTypes(rawValue: 2)
    static let integer = SchemaTypes(rawValue: 4)
    static let number = SchemaTypes(rawValue: 8)
    static let string = SchemaTypes(rawValue: 16)
    static let array = SchemaTypes(rawValue: 32)
    static let object = SchemaTypes(rawValue: 64)

    /// The names, in the order messages list them.
    static let names: [(name: String, type: SchemaTypes)] = [
        ("integer", .integer), ("number", .number), ("string", .string), ("boolean", .boolean),
        ("array", .array), ("object", .object), ("null", .null),
    ]

    init(rawValue: UInt8) {
        self.rawValue = rawValue
    }

    /// The type named `name`, eg `"integer"`; `nil` for an unknown name.
    init?(name: String) {
        guard let match = Self.names.first(where: { $0.name == name }) else { return nil }
        self = match.type
    }

    /// Whether `value` has one of these types; an integral double is an integer.
    @inline(__always) func allows(_ value: JSON) -> Bool {
        switch value {
        case .null: contains(.null)
        case .bool: contains(.boolean)
        case .int: !isDisjoint(with: [.integer, .number])
        case .double(let number): contains(.number) || (contains(.integer) && JSON.isIntegral(number))
        case .string: contains(.string)
        case .array: contains(.array)
        case .object: contains(.object)
        }
    }
}

/// The number keywords of a schema.
struct NumberBounds: Sendable {
    var minimum: JSON? = nil
    var maximum: JSON? = nil
    var exclusiveMinimum: JSON? = nil
    var exclusiveMaximum: JSON? = nil

    /// Whether `value` (a number) is within every bound.
    func allows(_ value: JSON) -> Bool {
        if let minimum, Self.compare(value, minimum) == .less { return false }
        if let maximum, Self.compare(value, maximum) == .greater { return false }
        if let exclusiveMinimum, Self.compare(value, exclusiveMinimum) != .greater { return false }
        if let exclusiveMaximum, Self.compare(value, exclusiveMaximum) != .less { return false }
        return true
    }

    /// The first keyword that `value` breaks, for the violation's `keyword`.
    func brokenKeyword(_ value: JSON) -> String {
        if let minimum, Self.compare(value, minimum) == .less { return "minimum" }
        if let maximum, Self.compare(value, maximum) == .greater { return "maximum" }
        if let exclusiveMinimum, Self.compare(value, exclusiveMinimum) != .greater { return "exclusiveMinimum" }
        return "exclusiveMaximum"
    }

    /// The bounds in words: `between 1 and 10`, `>= 0`, `> 0 and < 1.5`.
    var description: String {
        if let minimum, let maximum, exclusiveMinimum == nil, exclusiveMaximum == nil {
            return "between \(minimum) and \(maximum)"
        }
        var parts: [String] = []
        if let minimum { parts.append(">= \(minimum)") }
        if let exclusiveMinimum { parts.append("> \(exclusiveMinimum)") }
        if let maximum { parts.append("<= \(maximum)") }
        if let exclusiveMaximum { parts.append("< \(exclusiveMaximum)") }
        return parts.joined(separator: " and ")
    }

    enum Order {
        case less, equal, greater
    }

    /// How two numbers compare: exactly when both are integers.
    @inline(__always) static func compare(_ left: JSON, _ right: JSON) -> Order {
        if case .int(let a) = left, case .int(let b) = right {
            return a < b ? .less : a == b ? .equal : .greater
        }
        let a = left.doubleValue ?? 0, b = right.doubleValue ?? 0
        return a < b ? .less : a == b ? .equal : .greater
    }
}

/// One entry of `properties`.
struct SchemaProperty: Sendable {
    let key: String
    let node: Int
    let isRequired: Bool
}

/// What `additionalProperties` says about members that `properties` does not name.
enum AdditionalProperties: Sendable {
    case allowed
    case forbidden
    case schema(Int)
}
