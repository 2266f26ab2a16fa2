import Logging
@_spi(Neko) import NekoCore

/// A line the plugin logged through its `context.logger`, as a host receives it.
public struct LogLine: Sendable, Equatable, CustomStringConvertible {
    /// The level, eg `.info` (the host's five: trace, debug, info, warning, error).
    public var level: Logger.Level
    /// The text, with the logger's metadata appended as `key=value`.
    public var message: String

    /// A line of `level` saying `message`.
    public init(_ level: Logger.Level, _ message: String) {
        self.level = level
        self.message = message
    }

    /// eg `info: hello is up`.
    public var description: String { "\(level): \(message)" }
}

/// A message the plugin sent with `context.emit(topic, payload)`.
public struct EmittedMessage: Sendable, Equatable {
    /// The topic, eg `"greeted"`.
    public var topic: String
    /// The payload, eg `{"name": "Ada"}`.
    public var payload: JSON

    /// A message on `topic` carrying `payload`.
    public init(_ topic: String, _ payload: JSON) {
        self.topic = topic
        self.payload = payload
    }
}

/// A call the plugin made to another plugin's entry (`context.call`).
public struct OutgoingCallRecord: Sendable, Equatable {
    /// The plugin called, eg `"cgreet"`.
    public var plugin: String
    /// The entry called, eg `"greet"`.
    public var entry: String
    /// Its arguments.
    public var arguments: JSON

    /// A call to `entry` of `plugin` with `arguments`.
    public init(plugin: String, entry: String, arguments: JSON) {
        self.plugin = plugin
        self.entry = entry
        self.arguments = arguments
    }
}

/// A progress report of a call the harness made, with the call it belongs to.
public struct ProgressRecord: Sendable, Equatable {
    /// The entry of the call, eg `"count"`.
    public var entry: String
    /// The call's id (see ``PluginHarness/call(_:_:as:timeout:caller:)``).
    public var callID: UInt64
    /// What the plugin reported.
    public var progress: CallProgress
}

/// Why a ``PluginHarness`` refused a plugin, at the phase a host would have
/// refused it, eg `create: cannot open data.db: permission denied`.
public struct HarnessLoadError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Where it failed: `register`, `create`, `restore` or `startup`.
    public var phase: String
    /// What failed and why.
    public var message: String

    /// A failure at `phase` saying `message`.
    public init(phase: String, _ message: String) {
        self.phase = phase
        self.message = message
    }

    /// eg `startup: the database is locked`.
    public var description: String { "\(phase): \(message)" }
}
