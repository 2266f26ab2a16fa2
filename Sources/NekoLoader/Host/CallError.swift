import NekoCore

/// Why a call did not return a result: the error code, a message that names
/// the plugin, entry or argument at fault, and the argument, if one was.
public struct CallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, eg `.invalidArgument`.
    public let code: ErrorCode
    /// What failed and why, eg "argument 'name' must be a string, got 42".
    public let message: String
    /// With `.invalidArgument`: the argument at fault, eg `"name"`.
    public let field: String?

    /// Makes an error.
    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// `code: message`, as `nekoctl call` prints it after `error: `.
    public var description: String { "\(code): \(message)" }
}
