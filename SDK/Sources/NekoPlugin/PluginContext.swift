import FoundationEssentials
import Logging
import NekoABI
import NekoCore
import Synchronization

/// What the host gives a plugin: who it is, where its files are, a logger,
/// its config and settings, and ways to reach the host and other plugins.
///
/// Valid from `init(context:)` until `shutdown()` returns.
public final class PluginContext: Sendable {
    /// The plugin's id, eg `"hello"`.
    public let pluginID: String
    /// The folder that holds `plugin.toml`.
    public let folder: URL
    /// Where the plugin keeps its data (by default its folder). It exists.
    public let dataFolder: URL
    /// A logger whose lines the host writes, attributed to this plugin.
    public let logger: Logger
    /// The plugin's config: its own tables of `plugin.toml` (all but
    /// `[plugin]`, `[plugin_runtime]` and `[plugin_state]`), read-only, eg
    /// `config["greeting"]?["word"]`. What changes at run time is its
    /// settings (``settingsFile(default:onChange:)``).
    public let config: JSON

    let host: HostTable
    /// The settings file the plugin opened, for the host's extension.
    let settings = Mutex<(any SettingsStore)?>(nil)
    /// The database and key-value store, opened on first use.
    let storage = Mutex(PluginStorage())

    init(host: HostTable) {
        // Field by field: the host's table may be shorter than ours (1.0 at least: `create` checked).
        let table = host.pointer
        self.host = host
        pluginID = HostTable.string(table.pointee.plugin_id)
        folder = URL(filePath: HostTable.string(table.pointee.plugin_dir), directoryHint: .isDirectory)
        dataFolder = URL(filePath: HostTable.string(table.pointee.data_dir), directoryHint: .isDirectory)
        let configBytes = UnsafeRawBufferPointer(start: table.pointee.config_json, count: table.pointee.config_json_len)
        config = (try? JSON.parse(configBytes)) ?? .object([:])
        logger = Logger(label: "neko.plugin.\(HostTable.string(table.pointee.plugin_id))") { _ in HostLogHandler(host: host) }
    }

    /// Reads the config table `name` of `plugin.toml` (one of the plugin's
    /// own tables) into a `Decodable` type, eg `try context.config("greeting", as: Greeting.self)`.
    ///
    /// - Throws: a `CallError` naming the table and the key at fault, eg
    ///   `plugin.toml [retry]: key 'attempts' is invalid: must be at least 1, got 0`
    ///   with field `[retry].attempts`.
    public func config<Value: Decodable>(_ name: String, as type: Value.Type = Value.self) throws -> Value {
        let table = config[name] ?? .object([:])
        do {
            return try NekoJSONDecoder().decode(Value.self, from: table)
        } catch let error as DecodingError {
            let problem = ArgumentError(error, naming: "key")
            let field = problem.field.map { "[\(name)].\($0)" } ?? "[\(name)]"
            throw CallError(.invalidArgument, "plugin.toml [\(name)]: \(problem.message)", field: field)
        }
    }

    /// Opens the plugin's settings: `config.json` beside `plugin.toml`,
    /// typed as `Value` with `value` as the defaults for every missing key.
    /// The host reads and changes them too (`nekoctl settings`).
    ///
    /// - Parameter onChange: runs when the host changes the settings, with
    ///   the old and the new value; throw to refuse the change.
    /// - Throws: a `CallError` naming the file and the key at fault.
    public func settingsFile<Value: Codable & Sendable>(
        default value: Value, onChange: (@Sendable (_ old: Value, _ new: Value) throws -> Void)? = nil
    ) throws -> SettingsFile<Value> {
        let file = try SettingsFile(path: folder.appending(path: "config.json").path, default: value, onChange: onChange)
        settings.withLock { $0 = file }
        return file
    }

    /// Sends a message to the host, eg `context.emit("greeted", ["name": "Ada"])`.
    ///
    /// - Returns: the host's receipt: `.accepted`, or why it was refused. A
    ///   message is never dropped without a receipt saying so.
    @discardableResult
    public func emit(_ topic: String, _ payload: some Encodable) -> MessageReceipt {
        guard let emit = host.emit else { return .refused("this host takes no messages") }
        let bytes: [UInt8]
        do { bytes = try NekoJSONEncoder().encode(payload) } catch {
            return .refused("the payload cannot be encoded as JSON: \(error)")
        }
        let status = topic.withCString { topic in
            bytes.withUnsafeBufferPointer { emit(host.pointer, topic, $0.baseAddress, $0.count) }
        }
        switch ErrorCode(status: status) {
        case nil: return .accepted
        case .unavailable: return .refused("the host's message queue is full")
        case let code?: return .refused("the host refused the message (\(code))")
        }
    }

    /// Calls entry `entry` of plugin `plugin` and decodes its result.
    ///
    /// ```swift
    /// let greeting = try await context.call("cgreet", "greet", ["name": "Ada"], as: Greeting.self)
    /// ```
    /// The target must be running (list it in `[plugin].dependencies`). The
    /// call has a deadline: `timeout` or the entry's own, the smaller, else the
    /// host's default. Canceling the calling task stops the wait at once.
    /// - Throws: a `CallError` with the callee's error code and message.
    public func call<Result: Decodable>(
        _ plugin: String, _ entry: String, _ arguments: some Encodable, timeout: Duration? = nil, as type: Result.Type = Result.self
    ) async throws -> Result {
        let bytes = try await callRaw(plugin, entry, NekoJSONEncoder().encode(arguments), timeout: timeout)
        do {
            return try NekoJSONDecoder().decode(Result.self, from: bytes)
        } catch {
            throw CallError(.executionFailed, "\(plugin):\(entry) returned a result that does not decode as \(Result.self): \(error)")
        }
    }

    /// Calls entry `entry` of plugin `plugin` with raw JSON bytes and returns
    /// the raw JSON bytes of its result.
    public func callRaw(_ plugin: String, _ entry: String, _ arguments: [UInt8], timeout: Duration? = nil) async throws -> [UInt8] {
        guard let call = host.call else {
            throw CallError(.unavailable, "this host does not let plugins call each other")
        }
        return try await OutgoingCall.perform(host: host, call: call, plugin: plugin, entry: entry, arguments: arguments, timeout: timeout)
    }
}

/// The host's answer to `emit`.
public enum MessageReceipt: Sendable, Equatable {
    /// The host took the message.
    case accepted
    /// The host did not take it, and says why.
    case refused(String)
}
