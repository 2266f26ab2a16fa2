// The SDK's names before 1.1, kept for one release so that plugins written
// for 1.0 build unchanged (with a warning that names the new spelling).

/// The error an entry throws to choose its code: now ``CallError``, the one
/// error of a call on both sides.
@available(*, deprecated, renamed: "CallError")
public typealias PluginError = CallError

/// A plugin's typed `config.json`: now ``SettingsFile`` (config is the
/// plugin's own tables of `plugin.toml`; settings are `config.json`).
@available(*, deprecated, renamed: "SettingsFile")
public typealias ConfigFile = SettingsFile

extension PluginContext {
    /// Opens the plugin's settings: now ``settingsFile(default:onChange:)``.
    @available(*, deprecated, renamed: "settingsFile(default:onChange:)")
    public func configFile<Value: Codable & Sendable>(
        default value: Value, onChange: (@Sendable (_ old: Value, _ new: Value) throws -> Void)? = nil
    ) throws -> SettingsFile<Value> {
        try settingsFile(default: value, onChange: onChange)
    }
}
