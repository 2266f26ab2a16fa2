import TOMLKit

extension PluginManifest {
    /// `[plugin.mcp]`: whether `nekoctl mcp` offers the plugin's entries as
    /// Model Context Protocol tools (docs/MCP.md).
    ///
    /// ```toml
    /// [plugin.mcp]
    /// expose = true            # false: no tool for any entry
    /// hide = ["reset", "debug_dump"]   # these entries get no tool
    /// ```
    ///
    /// `nekoctl mcp --all` ignores both.
    public struct MCP: Sendable, Equatable {
        /// `expose` (default true): whether any entry becomes a tool.
        public var expose: Bool
        /// `hide` (default none): entry ids that get no tool.
        public var hidden: [String]

        /// Every entry exposed: what a manifest without `[plugin.mcp]` says.
        public static let exposed = MCP(expose: true, hidden: [])

        /// Makes the table's contents.
        public init(expose: Bool, hidden: [String]) {
            self.expose = expose
            self.hidden = hidden
        }

        /// Whether entry `entry` gets a tool.
        public func exposes(_ entry: String) -> Bool {
            expose && !hidden.contains(entry)
        }
    }

    static let mcpKeys = ["expose", "hide"]

    /// Reads `[plugin.mcp]`: `expose` a boolean, `hide` an array of entry ids
    /// (each `[A-Za-z0-9_.-]{1,128}`, each once).
    static func readMCP(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> MCP {
        guard let table = try plugin.subtable("mcp") else { return .exposed }
        try table.checkKeys(known: mcpKeys, strict: strict, warnings: &warnings)
        let expose = try table.bool("expose") ?? true
        let hidden = try table.strings("hide", "an array of entry ids like [\"reset\"]") ?? []
        for (index, entry) in hidden.enumerated() {
            let field = table.field("hide") + "[\(index)] = \(TOMLDocument.quoted(entry))"
            guard EntryInfo.isValidID(entry) else {
                throw table.failure("\(field): expected an entry id (1 to 128 of A-Z a-z 0-9 _ . -)")
            }
            guard hidden[..<index].contains(entry) == false else {
                throw table.failure("\(field): expected each entry id once, found it twice")
            }
        }
        return MCP(expose: expose, hidden: hidden)
    }
}
