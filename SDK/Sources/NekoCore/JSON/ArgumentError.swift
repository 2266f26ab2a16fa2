/// Arguments that an entry cannot accept, said so that a person can fix them:
/// which field, what it must be, and what it was.
///
/// ```text
/// missing required argument 'name'
/// argument 'items[2].id' must be an integer, got "x"
/// argument 'n' must be an integer, got 3.5
/// arguments are not valid JSON: expected ':' after an object key at line 1, column 8
/// ```
///
/// Make one from the error of a decoder (`init(_:)`), of the
/// parser (`init(_:)`), or of a schema check (``JSONSchemaValidator``,
/// whose violations all go into one error).
public struct ArgumentError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The path of the offending field, eg `items[2].id`; `nil` when the
    /// problem is with the arguments as a whole.
    public let field: String?
    /// The whole message, field included, eg `missing required argument 'name'`.
    public let message: String
    /// Every violation, when the error comes from a schema check; empty
    /// otherwise. `field` is the first one's path.
    public let violations: [JSONSchemaViolation]

    /// Makes an error from its parts.
    public init(field: String?, message: String) {
        self.init(field: field, message: message, violations: [])
    }

    init(field: String?, message: String, violations: [JSONSchemaViolation]) {
        self.field = field
        self.message = message
        self.violations = violations
    }

    /// The message.
    public var description: String { message }

    /// Explains a parse failure of the arguments as a whole:
    /// `arguments are not valid JSON: <where and why>`.
    public init(_ error: JSONParseError) {
        self.init(field: nil, message: "arguments are not valid JSON: \(error)")
    }

    /// Explains a decoding failure, naming the field from its coding path.
    ///
    /// When the error comes from ``NekoJSONDecoder`` the message also shows the
    /// offending value (short scalars as JSON, containers by their kind); from
    /// other decoders it says what was expected.
    public init(_ error: DecodingError) {
        self.init(error, naming: "argument")
    }

    /// Explains a decoding failure as `init(_:)` does, calling a field `noun`:
    /// `"key"` for a settings file (`key 'timeout' must be an integer, got "soon"`,
    /// `missing required key 'timeout'`).
    public init(_ error: DecodingError, naming noun: String) {
        func subject(_ field: String?, plural: Bool = true) -> String {
            Self.subject(field, plural: plural, noun: noun)
        }
        switch error {
        case .keyNotFound(let key, let context):
            let field = Self.fieldPath(context.codingPath + [key])
            self.init(field: field, message: "missing required \(subject(field, plural: false))")
        case .valueNotFound(let type, let context):
            let field = Self.fieldPath(context.codingPath)
            if let detail = context.underlyingError as? JSONValueMismatch, detail.found == nil {
                self.init(field: field, message: "missing required \(subject(field, plural: false))")
            } else {
                let expected = JSONValueMismatch.expectation(for: type)
                self.init(field: field, message: "\(subject(field)) must be \(expected), got null")
            }
        case .typeMismatch(let type, let context):
            let field = Self.fieldPath(context.codingPath)
            let detail = context.underlyingError as? JSONValueMismatch
            let expected = detail?.expected ?? JSONValueMismatch.expectation(for: type)
            let found = detail?.found.map { ", got \(Self.describe($0))" } ?? ""
            self.init(field: field, message: "\(subject(field)) must be \(expected)\(found)")
        case .dataCorrupted(let context):
            let field = Self.fieldPath(context.codingPath)
            if let parseError = context.underlyingError as? JSONParseError, field == nil {
                self.init(parseError)
            } else if let detail = context.underlyingError as? JSONValueMismatch, let found = detail.found {
                self.init(field: field, message: "\(subject(field)) must be \(detail.expected), got \(Self.describe(found))")
            } else {
                self.init(field: field, message: "\(subject(field)) \(field == nil ? "are" : "is") invalid: \(context.debugDescription)")
            }
        @unknown default:
            self.init(field: nil, message: "\(noun)s are invalid: \(error)")
        }
    }

    /// Explains any error met while taking arguments: an ``ArgumentError`` as
    /// it is, a `DecodingError` or ``JSONParseError`` as their own initializers
    /// do, and anything else as `arguments are invalid: <error>`.
    public init(_ error: any Error) {
        switch error {
        case let error as ArgumentError: self = error
        case let error as DecodingError: self.init(error)
        case let error as JSONParseError: self.init(error)
        default: self.init(field: nil, message: "arguments are invalid: \(error)")
        }
    }

    /// `argument 'a.b'`, or `arguments` when there is no field (with
    /// `noun` in place of "argument").
    static func subject(_ field: String?, plural: Bool = true, noun: String = "argument") -> String {
        if let field { return "\(noun) '\(field)'" }
        return plural ? "\(noun)s" : noun
    }

    /// Renders a coding path as a field path, eg `items[2].id`; `nil` if empty.
    ///
    /// Array positions (keys that Foundation spells `Index 2`) become `[2]`.
    static func fieldPath(_ codingPath: [any CodingKey]) -> String? {
        guard !codingPath.isEmpty else { return nil }
        var path = ""
        for key in codingPath {
            if let index = key.intValue, key is JSONIndexKey || key.stringValue == "Index \(index)" {
                path += "[\(index)]"
            } else {
                if !path.isEmpty { path += "." }
                path += key.stringValue
            }
        }
        return path
    }

    /// How to show a value found where something else was expected: scalars as
    /// JSON (long strings shortened), arrays and objects by their kind.
    static func describe(_ value: JSON) -> String {
        switch value {
        case .array: return "an array"
        case .object: return "an object"
        case .string(let text) where text.count > 40:
            return JSON.string(String(text.prefix(40)) + "…").description
        default: return value.description
        }
    }
}
