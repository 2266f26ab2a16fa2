/// Why a call failed: an error code, a message that names the plugin, entry
/// or argument at fault, and the argument, if one was.
///
/// The one error of a call, on both sides of the ABI. A plugin throws it to
/// choose the code its caller sees:
/// ```swift
/// guard (0...1000).contains(count.to) else { throw CallError.invalidArgument("to", "must be from 0 to 1000, got \(count.to)") }
/// ```
/// (any other error an entry throws reaches the caller as `execution_failed`
/// with the error's description; a plugin never takes the host down by
/// throwing). `PluginContext.call` throws it with the callee's code, and the
/// host's `call`, `entry` and `callBlocking` throw it to their callers.
public struct CallError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The kind of failure, eg `.invalidArgument`, shown as `invalid_argument`.
    public var code: ErrorCode
    /// What failed and why, eg "argument 'name' must be a string, got 42".
    public var message: String
    /// With `.invalidArgument`: the argument at fault, eg `"name"`.
    public var field: String?

    /// Makes an error with any code, eg `CallError(.unavailable, "the printer is offline")`.
    public init(_ code: ErrorCode, _ message: String, field: String? = nil) {
        self.code = code
        self.message = message
        self.field = field
    }

    /// The arguments are wrong: `field` names the argument, `message` says what was expected.
    public static func invalidArgument(_ field: String, _ message: String) -> CallError {
        CallError(.invalidArgument, message, field: field)
    }

    /// The thing asked for does not exist.
    public static func notFound(_ message: String) -> CallError {
        CallError(.notFound, message)
    }

    /// The entry ran and failed.
    public static func executionFailed(_ message: String) -> CallError {
        CallError(.executionFailed, message)
    }

    /// `code: message`, and the field if there is one, as `nekoctl call`
    /// prints it after `error: `, eg `invalid_argument: must not be empty (field: name)`.
    public var description: String {
        "\(code): \(message)\(field.map { " (field: \($0))" } ?? "")"
    }
}
