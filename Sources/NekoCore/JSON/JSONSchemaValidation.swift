extension JSONSchema {
    /// Checks `value` against `schema` and returns the first violation, or
    /// `nil` if there is none.
    ///
    /// Supported keywords: `type` (a name or an array of names; `"integer"`
    /// accepts an integral double such as `3.0`), `enum`, `const`, `minimum`,
    /// `maximum`, `exclusiveMinimum`, `exclusiveMaximum`, `minLength` and
    /// `maxLength` (counted in Unicode scalars), `minItems`, `maxItems`,
    /// `items`, `properties`, `required` and `additionalProperties` (a Boolean
    /// or a schema); and the Boolean schemas `true` and `false`. Other keywords
    /// (`pattern`, `format`, `anyOf`, ...) are ignored. Numbers compare by
    /// value, so `3` equals `3.0` in `enum` and `const`.
    ///
    /// The error names the field and says what was expected and what was
    /// found, eg `argument 'items[2].id' must be an integer, got "x"`,
    /// `missing required argument 'name'`, `unexpected argument 'colour'`.
    public static func validate(_ value: JSON, against schema: JSON) -> ArgumentError? {
        var validator = SchemaValidator()
        return validator.check(value, against: schema)
    }
}

/// Walks a value and its schema together, keeping the path for messages.
struct SchemaValidator {
    enum Step {
        case key(String)
        case index(Int)
    }

    var path: [Step] = []

    var field: String? {
        guard !path.isEmpty else { return nil }
        var text = ""
        for step in path {
            switch step {
            case .key(let key): text += text.isEmpty ? key : ".\(key)"
            case .index(let index): text += "[\(index)]"
            }
        }
        return text
    }

    func failure(_ predicate: String) -> ArgumentError {
        ArgumentError(field: field, message: "\(ArgumentError.subject(field)) \(predicate)")
    }

    mutating func check(_ value: JSON, against schema: JSON) -> ArgumentError? {
        switch schema {
        case .bool(true): return nil
        case .bool(false): return failure("is not allowed")
        case .object(let keywords): return check(value, keywords)
        default: return nil  // not a schema: nothing to check
        }
    }

    mutating func check(_ value: JSON, _ schema: JSONObject) -> ArgumentError? {
        if let problem = checkType(value, schema["type"]) { return problem }
        if case .array(let allowed)? = schema["enum"], !allowed.contains(value) {
            let list = allowed.map(ArgumentError.describe).joined(separator: ", ")
            return failure("must be one of \(list), got \(ArgumentError.describe(value))")
        }
        if let constant = schema["const"], constant != value {
            return failure("must be \(ArgumentError.describe(constant)), got \(ArgumentError.describe(value))")
        }
        switch value {
        case .int, .double:
            return checkNumber(value, schema)
        case .string(let text):
            return checkCount(text.unicodeScalars.count, schema, "minLength", "maxLength", unit: "character")
        case .array(let elements):
            if let problem = checkCount(elements.count, schema, "minItems", "maxItems", unit: "item") { return problem }
            guard let items = schema["items"] else { return nil }
            for (index, element) in elements.enumerated() {
                path.append(.index(index))
                if let problem = check(element, against: items) { return problem }
                path.removeLast()
            }
            return nil
        case .object(let object):
            return checkObject(object, schema)
        case .null, .bool:
            return nil
        }
    }

    func checkType(_ value: JSON, _ type: JSON?) -> ArgumentError? {
        let names: [String]
        switch type {
        case .string(let name)?: names = [name]
        case .array(let list)?: names = list.compactMap(\.stringValue)
        default: return nil
        }
        guard !names.contains(where: { Self.matches(value, $0) }) else { return nil }
        let expected = names.map(Self.article).joined(separator: " or ")
        return failure("must be \(expected), got \(ArgumentError.describe(value))")
    }

    static func matches(_ value: JSON, _ typeName: String) -> Bool {
        switch (typeName, value) {
        case ("integer", .int): true
        case ("integer", .double(let number)): JSON.isIntegral(number)
        case ("number", .int), ("number", .double): true
        default: value.typeName == typeName
        }
    }

    /// A type name with its article: `an integer`, `a string`, `null`.
    static func article(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "integer", "object", "array": "an \(typeName)"
        default: "a \(typeName)"
        }
    }

    func checkNumber(_ value: JSON, _ schema: JSONObject) -> ArgumentError? {
        let shown = ArgumentError.describe(value)
        if let bound = schema["minimum"], Self.compare(value, bound) == .some(.less) {
            return failure("must be at least \(ArgumentError.describe(bound)), got \(shown)")
        }
        if let bound = schema["maximum"], Self.compare(value, bound) == .some(.greater) {
            return failure("must be at most \(ArgumentError.describe(bound)), got \(shown)")
        }
        if let bound = schema["exclusiveMinimum"], let order = Self.compare(value, bound), order != .greater {
            return failure("must be greater than \(ArgumentError.describe(bound)), got \(shown)")
        }
        if let bound = schema["exclusiveMaximum"], let order = Self.compare(value, bound), order != .less {
            return failure("must be less than \(ArgumentError.describe(bound)), got \(shown)")
        }
        return nil
    }

    enum Order {
        case less, equal, greater
    }

    /// How two numbers compare, exactly when both are integers; `nil` if
    /// either is not a number.
    static func compare(_ left: JSON, _ right: JSON) -> Order? {
        if case .int(let a) = left, case .int(let b) = right {
            return a < b ? .less : a == b ? .equal : .greater
        }
        guard let a = left.doubleValue, let b = right.doubleValue else { return nil }
        return a < b ? .less : a == b ? .equal : .greater
    }

    func checkCount(_ count: Int, _ schema: JSONObject, _ minimumKeyword: String, _ maximumKeyword: String,
                    unit: String) -> ArgumentError? {
        func units(_ number: Int64) -> String { number == 1 ? "1 \(unit)" : "\(number) \(unit)s" }
        if let minimum = schema[minimumKeyword]?.int64Value, count < minimum {
            return failure("must have at least \(units(minimum)), got \(count)")
        }
        if let maximum = schema[maximumKeyword]?.int64Value, count > maximum {
            return failure("must have at most \(units(maximum)), got \(count)")
        }
        return nil
    }

    mutating func checkObject(_ object: JSONObject, _ schema: JSONObject) -> ArgumentError? {
        if case .array(let required)? = schema["required"] {
            for case .string(let key) in required where object[key] == nil {
                path.append(.key(key))
                return ArgumentError(field: field, message: "missing required \(ArgumentError.subject(field, plural: false))")
            }
        }
        let properties = schema["properties"]?.objectValue ?? JSONObject()
        let additional = schema["additionalProperties"]
        for (key, member) in object {
            path.append(.key(key))
            if let propertySchema = properties[key] {
                if let problem = check(member, against: propertySchema) { return problem }
            } else if case .bool(false)? = additional {
                return ArgumentError(field: field, message: "unexpected \(ArgumentError.subject(field, plural: false))")
            } else if let additional, let problem = check(member, against: additional) {
                return problem
            }
            path.removeLast()
        }
        return nil
    }
}
