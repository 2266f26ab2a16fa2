import NekoPlugin

/// The seed's configurable plugin: settings `{"timeout": 30}` unless
/// config.json says otherwise, with types, an atomic save, and a change hook
/// that refuses bad values (`nekoctl settings configurable timeout:=0` fails).
final class Configurable: Plugin {
    static let id = "configurable"

    static let entries: [Entry<Configurable>] = [
        Entry("get_settings", description: "The settings (config.json, with defaults).", hints: [.readOnly, .idempotent], Configurable.getSettings),
        Entry("set_settings", description: "Changes `timeout` (seconds, more than 0) and saves it.",
              hints: [.destructive, .idempotent], Configurable.setSettings),
    ]

    struct Settings: Codable, Sendable, Equatable {
        var timeout = 30
    }

    struct Change: Codable, Sendable {
        var timeout: Int
    }

    private let settings: SettingsFile<Settings>
    private let context: PluginContext

    init(context: PluginContext) throws {
        self.context = context
        let logger = context.logger
        settings = try context.settingsFile(default: Settings()) { old, new in
            try Configurable.check(new.timeout)
            logger.info("timeout changes from \(old.timeout) to \(new.timeout)")
        }
    }

    func getSettings() -> Settings {
        settings.value
    }

    func setSettings(_ change: Change) throws -> Settings {
        try Configurable.check(change.timeout)
        try settings.update { $0.timeout = change.timeout }
        return settings.value
    }

    private static func check(_ timeout: Int) throws {
        guard timeout > 0 else { throw CallError.invalidArgument("timeout", "must be more than 0 seconds, got \(timeout)") }
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Configurable.self, host) }
