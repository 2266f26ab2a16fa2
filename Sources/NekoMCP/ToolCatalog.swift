@_spi(Neko) import NekoCore

/// The tools `nekoctl mcp` serves: one per exposed entry of each running
/// plugin, and the entries left out with the reason.
public struct ToolCatalog: Sendable, Equatable {
    /// The tools, in the plugins' order, then the entries' order.
    public private(set) var tools: [MCPTool] = []
    /// The entries that get no tool, and why (an opt-out, a name MCP refuses).
    public private(set) var leftOut: [LeftOut] = []
    private var byName: [String: Int] = [:]

    /// An entry without a tool.
    public struct LeftOut: Sendable, Equatable {
        /// The plugin's id.
        public let plugin: String
        /// The entry's id, or nil when the whole plugin is left out.
        public let entry: String?
        /// Why, eg "[plugin.mcp] expose = false in its plugin.toml".
        public let reason: String
    }

    /// Which plugins and entries to serve.
    public struct Selection: Sendable, Equatable {
        /// Only these plugin ids (`--only`); nil: every plugin.
        public var only: Set<String>?
        /// Whether opt-outs (`[plugin.mcp]`) are ignored (`--all`).
        public var ignoreOptOuts: Bool

        /// Makes a selection.
        public init(only: Set<String>? = nil, ignoreOptOuts: Bool = false) {
            self.only = only
            self.ignoreOptOuts = ignoreOptOuts
        }
    }

    /// An empty catalog.
    public init() {}

    /// The catalog of plugins `plugins`, each as the `info` op shows it
    /// (`id`, `state`, `entries`, `mcp`). A plugin that is not running has
    /// no entries, so no tools.
    public init(plugins: [JSON], selection: Selection) {
        for plugin in plugins {
            guard let id = plugin["id"]?.stringValue else { continue }
            if let only = selection.only, !only.contains(id) { continue }
            let expose = plugin["mcp"]?["expose"]?.boolValue ?? true
            let hidden = Set(plugin["mcp"]?["hide"]?.arrayValue?.compactMap(\.stringValue) ?? [])
            if !expose && !selection.ignoreOptOuts {
                leftOut.append(LeftOut(plugin: id, entry: nil, reason: "[plugin.mcp] expose = false in its plugin.toml (--all serves it)"))
                continue
            }
            guard let entries = plugin["entries"]?.arrayValue else {
                let state = plugin["state"]?.stringValue ?? "unknown"
                leftOut.append(LeftOut(plugin: id, entry: nil, reason: "not running (\(state)): its entries are unknown"))
                continue
            }
            for entry in entries {
                let entryID = entry["id"]?.stringValue ?? "?"
                if hidden.contains(entryID) && !selection.ignoreOptOuts {
                    leftOut.append(LeftOut(plugin: id, entry: entryID, reason: "hidden by [plugin.mcp] hide in its plugin.toml (--all serves it)"))
                    continue
                }
                switch MCPTool.make(plugin: id, entry: entry) {
                case .success(let tool):
                    if let other = byName[tool.name] {
                        let first = tools[other]
                        leftOut.append(LeftOut(
                            plugin: id, entry: entryID,
                            reason: "its tool name '\(tool.name)' is already that of \(first.plugin):\(first.entry)"))
                        continue
                    }
                    byName[tool.name] = tools.count
                    tools.append(tool)
                case .failure(let refusal):
                    leftOut.append(LeftOut(plugin: id, entry: entryID, reason: refusal.reason))
                }
            }
        }
    }

    /// The tool named `name`, if served.
    public func tool(named name: String) -> MCPTool? {
        byName[name].map { tools[$0] }
    }
}
