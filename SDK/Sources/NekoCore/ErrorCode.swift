import NekoABI

/// The kind of an error that crossed the plugin boundary: the `neko_status`
/// codes of `neko_abi.h`, with the names people see (`invalid_argument`, ...).
public enum ErrorCode: Int32, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// The arguments do not match the entry's schema.
    case invalidArgument = 1
    /// No such plugin or entry.
    case notFound = 2
    /// The entry ran and failed.
    case executionFailed = 3
    /// The call overran its deadline.
    case timeout = 4
    /// The caller canceled the call.
    case canceled = 5
    /// The plugin is not loaded, is stopping, or refused for back-pressure.
    case unavailable = 6
    /// A broken promise of the ABI, on either side.
    case `internal` = 7
    /// An isolated plugin's process died during the call.
    case crashed = 8

    /// Makes a code from a `neko_status`; unknown non-zero values become `.internal`.
    /// Returns `nil` for `NEKO_OK`.
    public init?(status: Int32) {
        if status == NEKO_OK { return nil }
        self = ErrorCode(rawValue: status) ?? .internal
    }

    /// The name shown to people and in JSON, eg `invalid_argument`.
    public var name: String {
        switch self {
        case .invalidArgument: "invalid_argument"
        case .notFound: "not_found"
        case .executionFailed: "execution_failed"
        case .timeout: "timeout"
        case .canceled: "canceled"
        case .unavailable: "unavailable"
        case .internal: "internal"
        case .crashed: "plugin_crashed"
        }
    }

    /// Makes a code from its name, eg `"not_found"`.
    public init?(name: String) {
        guard let code = ErrorCode.allCases.first(where: { $0.name == name }) else { return nil }
        self = code
    }

    public var description: String { name }
}
