import NekoPlugin

/// The seed's configurable plugin: settings `{"timeout": 30}` unless
/// config.json says otherwise, typed, saved atomically, with a change hook
/// that refuses bad values (`nekoctl settings configurable timeout:=0` fails).
struct Configurable: Plugin {
    static let entries = [
        Entry("get_settings", description: "The settings (config.json, with defaults).", hints: [.readOnly, .idempotent], Configurable.getSettings),
        Entry("set_settings", description: "Changes `timeout` (seconds, more than 0) and saves it.", hints: [.destructive, .idempotent], Configurable.setSettings),
    ]
    struct Settings: Codable, Sendable { var timeout = 30 }
    let settings: SettingsFile<Settings>

    init(context: PluginContext) throws {
        settings = try context.settingsFile(default: Settings()) { _, new in
            guard new.timeout > 0 else { throw CallError.invalidArgument("timeout", "must be more than 0 seconds, got \(new.timeout)") }
        }
    }

    func getSettings() -> Settings { settings.value }
    func setSettings(_ new: Settings) throws -> Settings {
        try settings.update { $0 = new }
        return settings.value
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Configurable.self) }
