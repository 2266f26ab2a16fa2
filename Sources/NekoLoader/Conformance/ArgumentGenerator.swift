@_spi(Neko) import NekoCore

/// Arguments made from an entry's JSON Schema: a valid object, and the
/// common ways to get one wrong. Covers the keywords real schemas use for
/// arguments: type, properties, required, enum, const, minimum/maximum
/// (and exclusive), minLength/maxLength, items, minItems, anyOf/oneOf.
enum ArgumentGenerator {
    /// The key `unknownKey` arguments add: no schema declares it.
    static let unknownKey = "neko_check_unknown_key"

    /// A valid arguments object: every declared property, with a value that
    /// satisfies its schema (small and positive where the schema allows it).
    static func valid(_ schema: JSON) -> JSON {
        let value = example(schema)
        return value.objectValue == nil ? .object(JSONObject()) : value
    }

    /// The required properties, with the schema's own order.
    static func required(_ schema: JSON) -> [String] {
        (schema["required"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    /// The declared properties and their schemas, in the schema's order.
    static func properties(_ schema: JSON) -> [(name: String, schema: JSON)] {
        guard let properties = schema["properties"]?.objectValue else { return [] }
        return properties.map { ($0.key, $0.value) }
    }

    /// Whether the schema refuses keys it does not declare.
    static func refusesUnknownKeys(_ schema: JSON) -> Bool {
        schema["additionalProperties"]?.boolValue == false
    }

    /// A value of another type than `schema` allows, or nil when it allows any.
    static func wrongValue(for schema: JSON) -> JSON? {
        let types = typeNames(schema)
        if types.isEmpty { return nil }
        for candidate: JSON in ["neko-check", 7, true, ["neko": "check"]] where !accepts(types, candidate) {
            return candidate
        }
        return nil
    }

    /// A value `schema` accepts.
    static func example(_ schema: JSON) -> JSON {
        if let value = schema["const"] { return value }
        if let first = schema["enum"]?.arrayValue?.first { return first }
        if let first = (schema["anyOf"] ?? schema["oneOf"])?.arrayValue?.first { return example(first) }
        let type = typeNames(schema).first ?? (schema["properties"] != nil ? "object" : "null")
        switch type {
        case "object":
            var object = JSONObject()
            for (name, property) in properties(schema) { object[name] = example(property) }
            return .object(object)
        case "array":
            let count = max(0, schema["minItems"]?.intValue ?? 0)
            let item = schema["items"].map(example) ?? .int(1)
            return .array(Array(repeating: item, count: min(count, 64)))
        case "string":
            let length = max(1, min(schema["minLength"]?.intValue ?? 1, 1024))
            let limited = schema["maxLength"]?.intValue.map { min($0, length) } ?? length
            return .string(String(repeating: "a", count: limited))
        case "integer":
            return .int(Int64(number(schema, integral: true)))
        case "number":
            return .double(number(schema, integral: false))
        case "boolean":
            return .bool(true)
        default:
            return .null
        }
    }

    /// 1, or the nearest value inside the bounds.
    private static func number(_ schema: JSON, integral: Bool) -> Double {
        var value = 1.0
        let step = integral ? 1.0 : 0.5
        if let minimum = schema["minimum"]?.doubleValue, value < minimum { value = integral ? minimum.rounded(.up) : minimum }
        if let minimum = schema["exclusiveMinimum"]?.doubleValue, value <= minimum { value = integral ? minimum.rounded(.down) + 1 : minimum + step }
        if let maximum = schema["maximum"]?.doubleValue, value > maximum { value = integral ? maximum.rounded(.down) : maximum }
        if let maximum = schema["exclusiveMaximum"]?.doubleValue, value >= maximum { value = integral ? maximum.rounded(.up) - 1 : maximum - step }
        return value
    }

    /// The schema's `type`, as a list.
    static func typeNames(_ schema: JSON) -> [String] {
        if let one = schema["type"]?.stringValue { return [one] }
        return schema["type"]?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    private static func accepts(_ types: [String], _ value: JSON) -> Bool {
        let name = value.typeName
        return types.contains(name) || (name == "integer" && types.contains("number"))
    }
}
