/// What a ``PluginHarness`` knows of the plugin's `plugin.toml`: its id and
/// version, checked against the plugin's descriptor as a host checks them.
///
/// ```swift
/// let manifest = HarnessManifest(id: "hello", version: "1.0.0")
/// ```
/// The plugin's config (its own tables of `plugin.toml`) is given to the
/// harness as JSON, beside the manifest.
public struct HarnessManifest: Sendable, Equatable {
    /// `[plugin].id`, eg `"hello"`: what ``PluginContext/pluginID`` reads.
    public var id: String
    /// `[plugin].version`, eg `"1.0.0"`. A plugin that declares a version
    /// (`static let version`) must declare this one, or it is refused, as a
    /// host refuses a stale build.
    public var version: String

    /// A manifest for plugin `id`, at `version`.
    public init(id: String, version: String = "0.1.0") {
        self.id = id
        self.version = version
    }
}
