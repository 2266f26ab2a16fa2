import NekoABI
@_spi(Neko) import NekoCore

/// A plugin's settings: its `config.json`, which the plugin and the host both
/// change at run time, through the plugin's settings extension
/// (`neko.plugin.config/1`: the C names say config, frozen since ABI 1.0).
/// Not its config, the read-only tables of `plugin.toml` (`PluginManifest.config`).
extension PluginHost {
    /// The settings of a plugin that keeps settings (its `config.json`),
    /// loading the plugin first if needed.
    /// - Throws: `not_found` when the plugin keeps no settings.
    public func settings(of plugin: String) throws(CallError) -> JSON {
        let (loaded, table) = try settingsTable(plugin)
        defer { loaded.leave() }
        var error = neko_error.empty
        var status = Int32(NEKO_OK)
        let bytes = ByteSink.collect { sink in
            status = table.pointee.read(loaded.instance, sink, &error)
        }
        guard status == Int32(NEKO_OK) else { throw CallError(ErrorCode(status: status) ?? .internal, error.text) }
        do { return try JSON.parse(bytes) } catch {
            throw CallError(.internal, "plugin '\(plugin)' returned settings that are not JSON: \(error)")
        }
    }

    /// Changes some settings of a plugin: `patch`, a JSON object, is merged
    /// over them. The plugin's change hook sees the old and new settings; if
    /// it refuses, nothing changes.
    /// - Returns: the settings after the change.
    /// - Throws: the plugin's refusal (eg `invalid_argument` naming the key).
    @discardableResult
    public func changeSettings(of plugin: String, with patch: JSON) throws(CallError) -> JSON {
        let bytes = patch.serialized()
        var error = neko_error.empty
        _ = try running(plugin)  // loads it on demand, which cannot happen under the lifecycle lock
        let outcome = withLifecycle { () -> Result<neko_status, CallError> in
            let loaded: LoadedPlugin, table: UnsafePointer<neko_plugin_config>
            do throws(CallError) { (loaded, table) = try settingsTable(plugin) } catch { return .failure(error) }
            defer { loaded.leave() }
            return .success(bytes.withUnsafeBufferPointer { table.pointee.change(loaded.instance, $0.baseAddress, $0.count, &error) })
        }
        let status = try outcome.get()
        guard status == Int32(NEKO_OK) else { throw CallError(ErrorCode(status: status) ?? .internal, error.text) }
        return try settings(of: plugin)
    }

    /// The plugin and its settings extension's table, with a call admitted (the caller `leave`s).
    private func settingsTable(_ plugin: String) throws(CallError) -> (LoadedPlugin, UnsafePointer<neko_plugin_config>) {
        let loaded = try running(plugin, loadOnDemand: !isInsideLifecycle)
        guard loaded.enter() else { throw stopped(plugin) }
        let found = NEKO_PLUGIN_CONFIG_EXTENSION.withCString { id in
            loaded.descriptor.pointee.get_extension?(loaded.instance, id)
        }
        guard let found else {
            loaded.leave()
            throw CallError(.notFound, "plugin '\(plugin)' keeps no settings file")
        }
        let table = found.assumingMemoryBound(to: neko_plugin_config.self)
        guard table.isAtLeast1_0 else {
            loaded.leave()
            throw CallError(.internal, "plugin '\(plugin)': its settings extension (neko.plugin.config/1) has struct_size \(table.structSize), expected at least \(NEKO_PLUGIN_CONFIG_SIZE_1_0) (the ABI 1.0 size)")
        }
        return (loaded, table)
    }
}
