/// A plugin's tests see the SDK (CallError, JSON, the plugin types' protocols)
/// by importing NekoPluginTesting alone.
@_exported import NekoPlugin
