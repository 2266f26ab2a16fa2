import NekoCore

/// An error an entry throws to choose the error code the caller sees.
///
/// Any other error thrown by an entry reaches the caller as
/// `execution_failed` with the error's description; a plugin never takes the
/// host down by throwing.
public struct PluginError: Error, Sendable, CustomStringConvertible {
    /// The code the caller sees, eg `invalid_argument`.
    public var code: ErrorCode
    /// What failed and why, eg "no record with key 'a'".
    public var message: String
    /// With `invalidArgument`: the argument at fault, eg `"url"`.
    public var field: String?

    /// Makes an error with any code.
    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The arguments are wrong: `field` names the argument, `message` says what was expected.
    public static func invalidArgument(_ field: String, _ message: String) -> PluginError {
        PluginError(.invalidArgument, message, field: field)
    }

    /// The thing asked for does not exist.
    public static func notFound(_ message: String) -> PluginError {
        PluginError(.notFound, message)
    }

    /// The entry ran and failed.
    public static func executionFailed(_ message: String) -> PluginError {
        PluginError(.executionFailed, message)
    }

    public var description: String {
        if let field { return "\(code): \(field): \(message)" }
        return "\(code): \(message)"
    }
}
