/// Turns a schema into the node table of a ``JSONSchemaValidator``, checking
/// every keyword it knows on the way.
///
/// Each subschema is compiled once, keyed by its JSON pointer, so that a
/// `$ref` to a place already compiled (or being compiled: a recursive
/// schema) reuses its node.
struct SchemaCompiler {
    let root: JSON
    var nodes: [SchemaRules] = []
    var indexByPointer: [String: Int] = [:]

    init(root: JSON) {
        self.root = root
    }

    /// Compiles the whole schema; the root is node 0.
    mutating func compile() throws(JSONSchemaError) -> [SchemaRules] {
        _ = try node(root, at: "#")
        try SchemaLoopCheck(nodes: nodes).run()
        return nodes
    }

    /// The node of `schema`, found at `pointer`.
    mutating func node(_ schema: JSON, at pointer: String) throws(JSONSchemaError) -> Int {
        if let index = indexByPointer[pointer] { return index }
        let index = nodes.count
        nodes.append(SchemaRules(pointer: pointer))
        indexByPointer[pointer] = index
        var rules = SchemaRules(pointer: pointer)
        switch schema {
        case .bool(true):
            break
        case .bool(false):
            rules.rejectsEverything = true
            rules.acceptsEverything = false
        case .object(let keywords):
            try compile(keywords, into: &rules)
        default:
            throw JSONSchemaError(pointer: pointer, keyword: nil,
                                  reason: "must be a schema (an object or a Boolean), got \(ArgumentError.describe(schema))")
        }
        nodes[index] = rules
        return index
    }

    mutating func compile(_ keywords: JSONObject, into rules: inout SchemaRules) throws(JSONSchemaError) {
        let at = rules.pointer
        func fail(_ keyword: String, _ reason: String) -> JSONSchemaError {
            JSONSchemaError(pointer: at, keyword: keyword, reason: reason)
        }
        func wrong(_ keyword: String, _ expected: String, _ value: JSON) -> JSONSchemaError {
            fail(keyword, "must be \(expected), got \(ArgumentError.describe(value))")
        }
        func child(_ keyword: String) -> String { "\(at)/\(Self.escape(keyword))" }

        for (keyword, value) in keywords {
            switch keyword {
            case "type":
                var types = SchemaTypes()
                let names: [JSON]
                switch value {
                case .string: names = [value]
                case .array(let list) where !list.isEmpty: names = list
                default: throw wrong(keyword, "a type name or a non-empty array of type names", value)
                }
                for name in names {
                    guard case .string(let text) = name, let type = SchemaTypes(name: text) else {
                        throw wrong(keyword, "one of \"null\", \"boolean\", \"integer\", \"number\", \"string\", \"array\", \"object\"", name)
                    }
                    types.insert(type)
                }
                rules.types = types
            case "enum":
                guard case .array(let values) = value else { throw wrong(keyword, "an array", value) }
                rules.enumValues = values
            case "const":
                rules.constValue = value
            case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
                var bounds = rules.bounds ?? NumberBounds()
                if case .bool = value, keyword.hasPrefix("exclusive") {
                    break  // draft-04's Boolean form: applied below, once `minimum`/`maximum` are known
                }
                guard value.doubleValue != nil else { throw wrong(keyword, "a number", value) }
                switch keyword {
                case "minimum": bounds.minimum = value
                case "maximum": bounds.maximum = value
                case "exclusiveMinimum": bounds.exclusiveMinimum = value
                default: bounds.exclusiveMaximum = value
                }
                rules.bounds = bounds
            case "minLength", "maxLength", "minItems", "maxItems":
                guard let count = value.int64Value, count >= 0, let number = Int(exactly: count) else {
                    throw wrong(keyword, "a non-negative integer", value)
                }
                switch keyword {
                case "minLength": rules.minLength = number
                case "maxLength": rules.maxLength = number
                case "minItems": rules.minItems = number
                default: rules.maxItems = number
                }
            case "pattern":
                guard case .string(let source) = value else { throw wrong(keyword, "a string", value) }
                do { rules.pattern = try SchemaPattern(source) } catch {
                    throw fail(keyword, "is not a valid regular expression: \(error) (\(value))")
                }
            case "format":
                guard case .string(let name) = value else { throw wrong(keyword, "a string", value) }
                rules.format = SchemaFormat(rawValue: name)  // other formats are annotations
            case "items":
                if case .array(let schemas) = value {
                    rules.prefixItems = try nodes(schemas, at: child(keyword))
                } else {
                    rules.items = try node(value, at: child(keyword))
                }
            case "prefixItems":
                guard case .array(let schemas) = value else { throw wrong(keyword, "an array of schemas", value) }
                rules.prefixItems = try nodes(schemas, at: child(keyword))
            case "properties":
                guard case .object(let members) = value else { throw wrong(keyword, "an object of schemas", value) }
                for (key, schema) in members {
                    let index = try node(schema, at: "\(child(keyword))/\(Self.escape(key))")
                    rules.properties.append(SchemaProperty(key: key, node: index, isRequired: false))
                }
            case "required":
                guard case .array(let keys) = value else { throw wrong(keyword, "an array of strings", value) }
                for key in keys {
                    guard case .string(let text) = key else { throw wrong(keyword, "an array of strings", key) }
                    if !rules.required.contains(text) { rules.required.append(text) }
                }
            case "additionalProperties":
                switch value {
                case .bool(true): rules.additionalProperties = .allowed
                case .bool(false): rules.additionalProperties = .forbidden
                case .object(let keywords) where keywords.isEmpty: rules.additionalProperties = .allowed
                case .object: rules.additionalProperties = .schema(try node(value, at: child(keyword)))
                default: throw wrong(keyword, "a Boolean or a schema", value)
                }
            case "patternProperties":
                guard case .object(let members) = value else { throw wrong(keyword, "an object of schemas", value) }
                for (source, schema) in members {
                    let pattern: SchemaPattern
                    do { pattern = try SchemaPattern(source) } catch {
                        throw fail(keyword, "has a key that is not a valid regular expression: \(error) (\(JSON.string(source)))")
                    }
                    rules.patternProperties.append((pattern, try node(schema, at: "\(child(keyword))/\(Self.escape(source))")))
                }
            case "allOf", "anyOf", "oneOf":
                guard case .array(let schemas) = value, !schemas.isEmpty else {
                    throw wrong(keyword, "a non-empty array of schemas", value)
                }
                let indices = try nodes(schemas, at: child(keyword))
                switch keyword {
                case "allOf": rules.allOf = indices
                case "anyOf": rules.anyOf = indices
                default: rules.oneOf = indices
                }
            case "not":
                rules.not = try node(value, at: child(keyword))
            case "$ref":
                guard case .string(let reference) = value else { throw wrong(keyword, "a string", value) }
                let (target, schema) = try resolve(reference, at: at)
                rules.ref = try node(schema, at: target)
            case "$defs", "definitions":
                guard case .object(let members) = value else { throw wrong(keyword, "an object of schemas", value) }
                for (name, schema) in members {
                    _ = try node(schema, at: "\(child(keyword))/\(Self.escape(name))")
                }
            default:
                continue  // annotations (title, description, default, examples, ...) and keywords not checked
            }
        }
        try applyBooleanExclusives(keywords, to: &rules, fail: fail)
        finish(&rules)
    }

    mutating func nodes(_ schemas: [JSON], at pointer: String) throws(JSONSchemaError) -> [Int] {
        var indices: [Int] = []
        for (position, schema) in schemas.enumerated() {
            indices.append(try node(schema, at: "\(pointer)/\(position)"))
        }
        return indices
    }

    /// Draft-04's `"exclusiveMinimum": true` makes `minimum` exclusive.
    func applyBooleanExclusives(_ keywords: JSONObject, to rules: inout SchemaRules,
                                fail: (String, String) -> JSONSchemaError) throws(JSONSchemaError) {
        for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            guard case .bool(let isExclusive)? = keywords[flag] else { continue }
            guard let limit = keywords[bound] else { throw fail(flag, "is a Boolean (draft-04) without '\(bound)'") }
            guard isExclusive else { continue }
            if bound == "minimum" {
                rules.bounds?.minimum = nil
                rules.bounds?.exclusiveMinimum = limit
            } else {
                rules.bounds?.maximum = nil
                rules.bounds?.exclusiveMaximum = limit
            }
        }
    }

    /// Settles what depends on several keywords: required properties, and the
    /// texts of messages.
    func finish(_ rules: inout SchemaRules) {
        for index in rules.properties.indices where rules.required.contains(rules.properties[index].key) {
            let property = rules.properties[index]
            rules.properties[index] = SchemaProperty(key: property.key, node: property.node, isRequired: true)
            rules.requiredPropertyCount += 1
        }
        rules.requiredElsewhere = rules.required.filter { key in !rules.properties.contains { $0.key == key } }
        if let bounds = rules.bounds {
            let integersOnly = rules.types.map { !$0.contains(.number) && $0.contains(.integer) } ?? false
            rules.boundsExpectation = "\(integersOnly ? "an integer" : "a number") \(bounds.description)"
        }
        if let types = rules.types {
            var names: [String] = []
            for (name, type) in SchemaTypes.names where types.contains(type) {
                if type == .integer || type == .number {
                    if !rules.boundsExpectation.isEmpty {
                        if !names.contains(rules.boundsExpectation) { names.append(rules.boundsExpectation) }
                        continue
                    }
                    if type == .integer && types.contains(.number) { continue }  // "a number" covers it
                }
                names.append(Self.article(name))
            }
            rules.typeExpectation = names.joined(separator: " or ")
        }
        if let values = rules.enumValues {
            rules.enumExpectation = values.count == 1
                ? ArgumentError.describe(values[0])
                : "one of " + values.map(ArgumentError.describe).joined(separator: ", ")
        }
        rules.acceptsEverything = !rules.rejectsEverything && rules.types == nil && rules.enumValues == nil
            && rules.constValue == nil && rules.bounds == nil && !rules.checksStrings && !rules.checksArrays
            && !rules.checksObjects && rules.ref == nil && rules.allOf.isEmpty && rules.anyOf.isEmpty
            && rules.oneOf.isEmpty && rules.not == nil
    }

    /// A type name with its article: `an integer`, `a string`, `null`.
    static func article(_ typeName: String) -> String {
        switch typeName {
        case "null": "null"
        case "integer", "object", "array": "an \(typeName)"
        default: "a \(typeName)"
        }
    }

    // MARK: References

    /// The canonical pointer and the schema that `reference` names.
    func resolve(_ reference: String, at pointer: String) throws(JSONSchemaError) -> (String, JSON) {
        guard reference.hasPrefix("#") else {
            throw JSONSchemaError(pointer: pointer, keyword: "$ref",
                                  reason: "must point within the schema ('#', '#/$defs/name'), got \(JSON.string(reference))")
        }
        let fragment = reference.dropFirst()
        guard fragment.isEmpty || fragment.hasPrefix("/") else {
            throw JSONSchemaError(pointer: pointer, keyword: "$ref",
                                  reason: "must be a JSON pointer ('#', '#/$defs/name'); anchors are not supported, got \(JSON.string(reference))")
        }
        let tokens = fragment.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
            .map { Self.unescape(Self.percentDecoded(String($0))) }
        let canonical = "#" + tokens.map { "/\(Self.escape($0))" }.joined()
        var value = root
        for token in tokens {
            switch value {
            case .object(let object) where object[token] != nil:
                value = object[token]!
            case .array(let array) where Int(token).map(array.indices.contains) == true:
                value = array[Int(token)!]
            default:
                throw JSONSchemaError(pointer: pointer, keyword: "$ref",
                                      reason: "points to nowhere: no \(JSON.string(canonical)) in the schema")
            }
        }
        return (canonical, value)
    }

    /// A key as a JSON pointer token: `~` as `~0`, `/` as `~1`.
    static func escape(_ key: String) -> String {
        guard key.contains(where: { $0 == "~" || $0 == "/" }) else { return key }
        return key.replacing("~", with: "~0").replacing("/", with: "~1")
    }

    static func unescape(_ token: String) -> String {
        guard token.contains("~") else { return token }
        return token.replacing("~1", with: "/").replacing("~0", with: "~")
    }

    /// A URI fragment's `%XX` escapes decoded (`#/$defs/a%20b`).
    static func percentDecoded(_ text: String) -> String {
        guard text.contains("%") else { return text }
        var bytes: [UInt8] = []
        var utf8 = Array(text.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "%"), utf8.count >= 2,
               let high = hexValue(utf8[utf8.startIndex]), let low = hexValue(utf8[utf8.startIndex + 1]) {
                bytes.append(high << 4 | low)
                utf8 = utf8.dropFirst(2)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Refuses `$ref`s (and `allOf`/`anyOf`/`oneOf`/`not`) that lead back to a
/// schema without reading into the value: checking would never end.
struct SchemaLoopCheck {
    let nodes: [SchemaRules]

    func run() throws(JSONSchemaError) {
        var state = [UInt8](repeating: 0, count: nodes.count)  // 0 unseen, 1 on the path, 2 done
        var path: [Int] = []
        for start in nodes.indices where state[start] == 0 {
            try visit(start, &state, &path)
        }
    }

    func visit(_ index: Int, _ state: inout [UInt8], _ path: inout [Int]) throws(JSONSchemaError) {
        state[index] = 1
        path.append(index)
        let rules = nodes[index]
        let sameValue = (rules.ref.map { [$0] } ?? []) + rules.allOf + rules.anyOf + rules.oneOf + (rules.not.map { [$0] } ?? [])
        for next in sameValue {
            if state[next] == 1 {
                let loop = path[path.firstIndex(of: next)!...].map { nodes[$0].pointer } + [nodes[next].pointer]
                let keyword = rules.ref == next ? "$ref" : rules.allOf.contains(next) ? "allOf"
                    : rules.anyOf.contains(next) ? "anyOf" : rules.oneOf.contains(next) ? "oneOf" : "not"
                throw JSONSchemaError(pointer: rules.pointer, keyword: keyword,
                                      reason: "loops back to '\(nodes[next].pointer)' without reading into the value (\(loop.joined(separator: " -> ")))")
            }
            if state[next] == 0 { try visit(next, &state, &path) }
        }
        path.removeLast()
        state[index] = 2
    }
}
