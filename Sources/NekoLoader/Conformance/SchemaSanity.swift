@_spi(Neko) import NekoCore

/// Whether an entry's argument schema is a JSON Schema a host and a client
/// can use, not only JSON: known type names, `properties` an object of
/// schemas, `required` an array of declared names, `enum` a non-empty array,
/// bounds that are numbers, `items` a schema.
enum SchemaSanity {
    private static let typeNames: Set<String> = ["null", "boolean", "integer", "number", "string", "array", "object"]

    /// The first problem in `schema`, with its JSON path (eg "properties.name.type"), or nil.
    static func problem(in schema: JSON, at path: String = "") -> String? {
        guard let object = schema.objectValue else {
            return schema.boolValue != nil ? nil : "\(prefix(path))is \(schema.typeName), expected a schema object"
        }
        if let type = object["type"] {
            let names = type.stringValue.map { [$0] } ?? type.arrayValue?.compactMap(\.stringValue)
            guard let names, !names.isEmpty, names.count == (type.arrayValue?.count ?? 1) else {
                return "\(prefix(join(path, "type")))must be a type name or an array of them, got \(type.serializedText)"
            }
            if let unknown = names.first(where: { !typeNames.contains($0) }) {
                return "\(prefix(join(path, "type")))'\(unknown)' is not a JSON Schema type (expected one of \(typeNames.sorted().joined(separator: ", ")))"
            }
        }
        if let properties = object["properties"] {
            guard let members = properties.objectValue else { return "\(prefix(join(path, "properties")))must be an object of schemas, got \(properties.typeName)" }
            for (name, property) in members {
                if let problem = problem(in: property, at: join(path, "properties.\(name)")) { return problem }
            }
        }
        if let required = object["required"] {
            guard let names = required.arrayValue, names.allSatisfy({ $0.stringValue != nil }) else {
                return "\(prefix(join(path, "required")))must be an array of property names, got \(required.serializedText)"
            }
            let declared = Set(object["properties"]?.objectValue?.keys ?? [])
            if object["properties"] != nil, let missing = names.compactMap(\.stringValue).first(where: { !declared.contains($0) }) {
                return "\(prefix(join(path, "required")))names '\(missing)', which `properties` does not declare"
            }
        }
        if let values = object["enum"], (values.arrayValue?.isEmpty ?? true) {
            return "\(prefix(join(path, "enum")))must be a non-empty array, got \(values.serializedText)"
        }
        for bound in ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "minItems", "maxItems"] {
            if let value = object[bound], value.doubleValue == nil {
                return "\(prefix(join(path, bound)))must be a number, got \(value.serializedText)"
            }
        }
        if let items = object["items"], let problem = problem(in: items, at: join(path, "items")) { return problem }
        for keyword in ["anyOf", "oneOf", "allOf"] {
            guard let options = object[keyword] else { continue }
            guard let list = options.arrayValue, !list.isEmpty else { return "\(prefix(join(path, keyword)))must be a non-empty array of schemas" }
            for (index, option) in list.enumerated() {
                if let problem = problem(in: option, at: join(path, "\(keyword)[\(index)]")) { return problem }
            }
        }
        return nil
    }

    private static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
    private static func prefix(_ path: String) -> String { path.isEmpty ? "" : "\(path): " }
}

extension JSON {
    /// The value as compact JSON text, for messages.
    var serializedText: String { String(decoding: serialized(), as: UTF8.self) }
}
