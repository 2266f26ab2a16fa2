/// One way a value breaks a schema: where, which keyword, what was expected
/// and what was found.
///
/// ```text
/// path "age", keyword "minimum", expected "an integer >= 0", found "-3"
///   message: argument 'age' must be an integer >= 0, got -3
/// path "name", keyword "required", expected "a value", found nil
///   message: missing required argument 'name'
/// path "colour", keyword "additionalProperties", expected "no such argument", found "\"red\""
///   message: unexpected argument 'colour' (did you mean 'color'?)
/// ```
public struct JSONSchemaViolation: Sendable, Hashable, CustomStringConvertible {
    /// The field's path, eg `items[2].id`; `nil` for the value as a whole.
    public let path: String?
    /// The schema keyword that failed, eg `type`, `required`, `pattern`.
    public let keyword: String
    /// What was expected, eg `an integer >= 0`, `at least 2 characters`.
    public let expected: String
    /// What was found, eg `-3`, `"x"`, `an object`; `nil` for a missing member.
    public let found: String?
    /// The whole sentence, path included, eg `argument 'age' must be an integer >= 0, got -3`.
    public let message: String

    /// Makes a violation from its parts.
    public init(path: String?, keyword: String, expected: String, found: String?, message: String) {
        self.path = path
        self.keyword = keyword
        self.expected = expected
        self.found = found
        self.message = message
    }

    /// The message.
    public var description: String { message }
}

extension ArgumentError {
    /// How many violations a message lists before it says how many more there are.
    public static let listedViolations = 10

    /// One error for every violation of a schema: its `field` is the first
    /// violation's path (what crosses the ABI in `neko_result`), and its
    /// message lists them all, separated by `; `:
    ///
    /// ```text
    /// missing required argument 'name'; argument 'age' must be an integer >= 0, got -3
    /// ```
    ///
    /// Past ``listedViolations``, the message ends `; and 7 more`.
    /// - Precondition: `violations` is not empty.
    public init(_ violations: [JSONSchemaViolation]) {
        var message = violations.prefix(Self.listedViolations).map(\.message).joined(separator: "; ")
        if violations.count > Self.listedViolations {
            message += "; and \(violations.count - Self.listedViolations) more"
        }
        self.init(field: violations.first?.path, message: message, violations: violations)
    }
}
