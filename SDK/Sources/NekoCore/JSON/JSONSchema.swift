/// JSON Schemas (a subset of draft 2020-12) for the arguments of entries:
/// derived from a `Decodable` type, and checked against values.
///
/// ```swift
/// let schema = JSONSchema.derived(from: SetArguments.self)
/// if let problem = JSONSchema.validate(arguments, against: schema) {
///     throw problem  // eg "argument 'items[2].id' must be an integer, got "x""
/// }
/// ```
public enum JSONSchema {
    /// Derives the schema of the arguments that `T` decodes, by decoding a `T`
    /// with a decoder that records what it is asked for and hands out
    /// placeholder values.
    ///
    /// The result is always an object schema,
    /// `{"type":"object","properties":{...},"required":[...]}`, with
    /// `"required"` left out when empty. Properties appear in the order
    /// `init(from:)` decodes them:
    ///
    /// - `String` gives `{"type":"string"}`, `Bool` `{"type":"boolean"}`,
    ///   `Float` and `Double` `{"type":"number"}`, every integer type
    ///   `{"type":"integer"}` (with `minimum` and `maximum` for the types
    ///   narrower than 64 bits, and `minimum` 0 for the unsigned ones).
    /// - A property decoded with `decodeIfPresent` (every optional property
    ///   of a synthesized `init(from:)`), or whose key is tested with
    ///   `contains`, is left out of `"required"`.
    /// - A nested `Decodable` gives a nested object schema; `[T]` gives
    ///   `{"type":"array","items":...}`; `[String: T]` gives
    ///   `{"type":"object","additionalProperties":...}`; a ``JSON`` gives `{}`.
    /// - A `CaseIterable & RawRepresentable` type with `String` or integer
    ///   raw values gives `{"type":"string","enum":[...]}` (or `"integer"`).
    ///
    /// - With `unknownKeys: .refused` (the default), every object schema
    ///   recorded in full gets `"additionalProperties": false`, so that a
    ///   misspelled key is an error rather than silently dropped; keys the
    ///   type tests with `contains` count as known. An object the derivation
    ///   could not see in full (a type that reads `allKeys`, or one below a
    ///   failed or shallow decoding) stays open.
    ///
    /// Limits: a type that rejects every placeholder (an enum that is not
    /// `CaseIterable`, a validating `init(from:)` that none of the
    /// placeholders `""`, `"a"`, a URL, a UUID, a date, `0` and `1` satisfy)
    /// gets `{}`; and since the `init(from:)` around it stops there, the
    /// properties it would have decoded afterwards are not seen, unless the
    /// property is optional. A type that contains itself is described one
    /// level deep, then as `{}`.
    public static func derived<T: Decodable>(from type: T.Type, unknownKeys: UnknownKeys = .refused) -> JSON {
        let derivation = SchemaDerivation(root: T.self, closesObjects: unknownKeys == .refused)
        var best: SchemaRecorder? = nil
        var isComplete = false
        for flavor in 0..<SchemaRecorder.flavorCount {
            let recorder = SchemaRecorder(derivation: derivation, depth: 0, isShallow: false, flavor: flavor)
            if (try? T(from: recorder)) != nil {
                best = recorder
                isComplete = true
                break
            }
            if best == nil || recorder.recordedPropertyCount > best!.recordedPropertyCount {
                best = recorder
            }
        }
        var schema: JSONObject = ["type": "object"]
        if case .object(let record)? = best?.shape {
            if !isComplete { record.isClosed = false }
            let recorded = record.schema
            schema["properties"] = recorded["properties"] ?? .object(JSONObject())
            if let required = recorded["required"] { schema["required"] = required }
            if let additional = recorded["additionalProperties"] { schema["additionalProperties"] = additional }
        } else {
            schema["properties"] = .object(JSONObject())
            // A type that decoded without asking for a single key (an empty struct) knows none.
            if isComplete, unknownKeys == .refused, case .unknown? = best?.shape { schema["additionalProperties"] = false }
        }
        return .object(schema)
    }
}

extension JSONSchema {
    /// Derives the schema of any JSON value that `T` decodes (not only an
    /// object): the schema of an entry's result, eg `{"type":"boolean"}` for
    /// `Bool`, `{"type":"array","items":{"type":"string"}}` for `[String]`,
    /// `{"type":"object","properties":{...},"required":[...]}` for a struct.
    ///
    /// The rules and limits are those of ``derived(from:unknownKeys:)``,
    /// except that objects stay open (no `"additionalProperties": false`): the
    /// schema describes what comes out, and a reader should take extra keys.
    /// A type that rejects every placeholder gives `{}` (any value).
    public static func derivedValue<T: Decodable>(of type: T.Type) -> JSON {
        // No root in progress: `T` itself is not recursive at the top.
        let derivation = SchemaDerivation(root: Void.self, closesObjects: false)
        let recorder = SchemaRecorder(derivation: derivation, depth: 0, isShallow: false, flavor: 0)
        return (try? recorder.record(T.self).schema) ?? [:]
    }
}

/// The state shared by all the recorders of one derivation.
final class SchemaDerivation {
    /// How many times a failed `init(from:)` may be retried with other
    /// placeholders, over the whole derivation.
    static let retryBudget = 256
    /// How deeply types may nest before the derivation gives up on a branch.
    static let maximumDepth = 32

    var retries = 0
    /// The types being derived, outermost first: a type found again here is recursive.
    var typesInProgress: [ObjectIdentifier]

    /// Whether fully recorded objects get `"additionalProperties": false`.
    let closesObjects: Bool

    init(root: Any.Type, closesObjects: Bool) {
        typesInProgress = [ObjectIdentifier(root)]
        self.closesObjects = closesObjects
    }
}

/// A value under derivation: a finished schema, or a recorder whose schema is
/// read when the derivation ends (for containers handed out to be filled later).
enum SchemaNode {
    case schema(JSON)
    case recorder(SchemaRecorder)

    var schema: JSON {
        switch self {
        case .schema(let schema): schema
        case .recorder(let recorder): recorder.schema
        }
    }
}

/// What an object does with members that its schema does not name.
public enum UnknownKeys: Sendable, Hashable {
    /// A member the schema does not name is an error (`"additionalProperties": false`).
    case refused
    /// A member the schema does not name is accepted, and the decoder skips it.
    case ignored
}

/// What a keyed container was asked for.
final class SchemaObjectRecord {
    /// The key that `allKeys` offers, to catch `[String: T]` decoding its values.
    static let anyKey = "0"

    var properties: [(key: String, node: SchemaNode)] = []
    var required: [String] = []
    /// Keys tested with `contains`, which the type treats as optional.
    var testedKeys: Set<String> = []
    var offeredAnyKey = false
    var additionalProperties: SchemaNode? = nil
    /// Whether the schema refuses keys it does not name: set for the
    /// objects of a non-shallow recorder when the derivation closes objects.
    var isClosed = false

    func record(_ key: String, _ node: SchemaNode, isRequired: Bool) {
        if offeredAnyKey && key == Self.anyKey {
            additionalProperties = node
            return
        }
        if let index = properties.firstIndex(where: { $0.key == key }) {
            properties[index].node = node
        } else {
            properties.append((key: key, node: node))
        }
        if isRequired && !testedKeys.contains(key) && !required.contains(key) {
            required.append(key)
        }
    }

    var schema: JSON {
        var schema: JSONObject = ["type": "object"]
        if let additionalProperties, properties.isEmpty {
            schema["additionalProperties"] = additionalProperties.schema
            return .object(schema)
        }
        var members = JSONObject(properties.lazy.map { (key: $0.key, value: $0.node.schema) })
        let closes = isClosed && !offeredAnyKey
        if closes {
            for key in testedKeys.sorted() where members[key] == nil { members[key] = [:] }
        }
        schema["properties"] = .object(members)
        if !required.isEmpty { schema["required"] = .array(required.map(JSON.string)) }
        if closes { schema["additionalProperties"] = false }
        return .object(schema)
    }
}

/// What an unkeyed container was asked for.
final class SchemaArrayRecord {
    var items: SchemaNode? = nil
    /// Whether the one element it reports has been decoded (or tried).
    var isExhausted = false

    var schema: JSON {
        guard let items else { return ["type": "array"] }
        return ["type": "array", "items": items.schema]
    }
}
