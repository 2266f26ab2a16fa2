import NekoABI

/// What an entry promises about its effects (`NEKO_HINT_*`), as MCP's tool
/// annotations do. Each member is a claim the plugin makes; a missing one
/// claims nothing. The host shows them and does not enforce them.
public struct EntryHints: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Changes nothing (MCP `readOnlyHint`).
    public static let readOnly = EntryHints(rawValue: UInt32(NEKO_HINT_READ_ONLY))
    /// May delete or overwrite (MCP `destructiveHint`).
    public static let destructive = EntryHints(rawValue: UInt32(NEKO_HINT_DESTRUCTIVE))
    /// A repeat with the same arguments changes nothing more (MCP `idempotentHint`).
    public static let idempotent = EntryHints(rawValue: UInt32(NEKO_HINT_IDEMPOTENT))
    /// Reaches outside the machine (MCP `openWorldHint`).
    public static let openWorld = EntryHints(rawValue: UInt32(NEKO_HINT_OPEN_WORLD))

    /// The names of the claims, eg `["read_only", "idempotent"]`, in the
    /// header's order; unknown bits (a newer plugin's) are left out.
    public var names: [String] {
        [(Self.readOnly, "read_only"), (.destructive, "destructive"), (.idempotent, "idempotent"), (.openWorld, "open_world")]
            .filter { contains($0.0) }.map(\.1)
    }
}
