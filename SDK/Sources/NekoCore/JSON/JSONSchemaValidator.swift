/// A JSON Schema compiled once, to check many values against it cheaply.
///
/// Compile the schema when a plugin registers (a bad schema is refused there,
/// naming the keyword and where it is), then check each call's arguments:
///
/// ```swift
/// let validator = try JSONSchemaValidator(schema)   // throws JSONSchemaError
/// let violations = validator.violations(of: arguments)
/// if !violations.isEmpty {
///     let error = ArgumentError(violations)
///     // error.field   == "items[2].id"  (the first violation's path)
///     // error.message == "argument 'items[2].id' must be an integer, got \"x\"; missing required argument 'name'"
/// }
/// ```
///
/// Keywords (draft 2020-12, with draft-07's `definitions`): `type` (a name or
/// an array of names; `"integer"` accepts an integral double such as `3.0`),
/// `properties`, `required`, `additionalProperties` (a Boolean or a schema),
/// `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`,
/// `exclusiveMaximum`, `minLength` and `maxLength` (in Unicode code points),
/// `pattern` (a regular expression, searched anywhere in the string, code
/// point by code point), `format` (`date-time`, `date`, `time`, `uri`,
/// `email`, `uuid`; other formats are annotations), `items`, `prefixItems`
/// (and `items` as an array, its draft-07 spelling), `minItems`, `maxItems`,
/// `anyOf`, `oneOf`, `allOf`, and `$ref` to a place within the schema (`#`,
/// `#/$defs/name`, `#/definitions/name`, any JSON pointer). Other keywords
/// (`description`, `title`, `default`, `examples`, ...) are ignored. Numbers
/// compare by value, so `3` equals `3.0` in `enum` and `const`.
///
/// Checking allocates nothing and parses nothing when the value is valid.
public struct JSONSchemaValidator: Sendable {
    /// The schema, as it was given.
    public let schema: JSON
    /// The compiled schema: `nodes[0]` is the root.
    let program: SchemaProgram

    /// Compiles `schema`.
    ///
    /// - Throws: ``JSONSchemaError`` naming the keyword and its place, eg
    ///   `schema is invalid at '#/properties/id/pattern': not a valid regular expression: ...`,
    ///   for a keyword of the wrong type, a `pattern` that does not compile,
    ///   a `$ref` to nowhere, or `$ref`s that loop without reading into the value.
    public init(_ schema: JSON) throws(JSONSchemaError) {
        self.schema = schema
        var compiler = SchemaCompiler(root: schema)
        program = SchemaProgram(nodes: try compiler.compile())
    }

    /// Every way `value` breaks the schema, in the order found (each object's
    /// missing members first, then its members in the order written); empty
    /// when `value` is valid.
    ///
    /// Each violation has its field's path (`items[2].id`, `nil` for the value
    /// as a whole), what was expected, what was found, and a message such as
    /// `argument 'age' must be an integer >= 0, got -3`.
    /// - Parameter noun: what messages call a field, eg `"key"` for a
    ///   settings file (`missing required key 'timeout'`); `"argument"` by default.
    public func violations(of value: JSON, naming noun: String = "argument") -> [JSONSchemaViolation] {
        var found: [JSONSchemaViolation] = []
        program.nodes.withUnsafeBufferPointer { nodes in
            let walk = SchemaWalk(nodes: nodes, noun: noun)
            _ = walk.check(value, 0, path: nil, depth: 0, hops: 0, into: &found)
        }
        return found
    }

    /// Whether `value` satisfies the schema (no violation at all).
    public func accepts(_ value: JSON) -> Bool {
        violations(of: value).isEmpty
    }

    /// Checks `value`, throwing every violation at once.
    ///
    /// - Throws: an ``ArgumentError`` whose `field` is the first violation's
    ///   path and whose message lists them all.
    public func validate(_ value: JSON) throws(ArgumentError) {
        let found = violations(of: value)
        if !found.isEmpty { throw ArgumentError(found) }
    }
}

/// The compiled nodes of a schema, shared by the copies of a validator.
final class SchemaProgram: Sendable {
    let nodes: [SchemaRules]

    init(nodes: [SchemaRules]) {
        self.nodes = nodes
    }
}
