@_spi(Neko) import NekoCore
import NekoServe

/// Where `nekoctl mcp` finds the plugins and calls their entries: a host
/// of its own (``HostToolSource``) or a running `nekoctl serve` (``SocketToolSource``).
public protocol ToolSource: Sendable {
    /// What serves the tools, for the log, eg "the nekoctl serve at /run/user/1000/neko/nekoctl.sock".
    var summary: String { get }

    /// Every plugin, as the `info` op of the control socket shows it (`id`,
    /// `state`, `entries` with their schemas and hints, `mcp`).
    func plugins() throws(ControlError) -> [JSON]

    /// Calls `entry` of `plugin` with `arguments`; the result is the entry's
    /// JSON (`null` when empty; a result that is not JSON comes as a string).
    /// Canceling the calling task cancels the call (where the source can).
    /// - Parameter progress: receives the entry's progress reports, when not nil.
    func call(
        plugin: String, entry: String, arguments: JSONObject, progress: (@Sendable (CallProgress) -> Void)?
    ) async -> Result<JSON, ControlError>

    /// Calls `changed` after each change of the plugins (a load, a reload,
    /// an unload, a crash), on a thread of its own, until ``stop()``.
    func watchChanges(_ changed: @escaping @Sendable () -> Void)

    /// Stops watching; releases what the source holds.
    func stop()
}

extension ToolSource {
    /// The JSON of a call's result bytes, as the control socket answers it.
    static func resultJSON(_ bytes: [UInt8]) -> JSON {
        if bytes.isEmpty { return .null }
        return (try? JSON.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
    }
}
