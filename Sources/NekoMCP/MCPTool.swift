@_spi(Neko) import NekoCore

/// One plugin entry as an MCP tool: what `tools/list` shows and where
/// `tools/call` goes.
public struct MCPTool: Sendable, Equatable {
    /// `<plugin>__<entry>` (``ToolName``).
    public let name: String
    /// The plugin's id.
    public let plugin: String
    /// The entry's id.
    public let entry: String
    /// The entry's name for people, eg `"Greet"` (the tool's `title`).
    public let title: String
    /// The entry's description.
    public let description: String
    /// The entry's argument schema, as an object schema (`inputSchema`).
    public let inputSchema: JSON
    /// `outputSchema`: the entry's result schema when it is an object's;
    /// a result of another type is wrapped, `{"result": <value>}`
    /// (``wrapsResult``), as MCP wants an object. Nil when the entry
    /// declares no result schema.
    public let outputSchema: JSON?
    /// Whether results are wrapped as `{"result": <value>}` in `structuredContent`.
    public let wrapsResult: Bool
    /// The entry's hints: `read_only`, `destructive`, `idempotent`, `open_world`.
    public let hints: [String]

    /// The tool for entry object `entry` (as the `info` op shows it: `id`,
    /// `name`, `description`, `schema`, `result_schema`, `hints`) of plugin `plugin`.
    /// - Returns: the tool, or why the entry gets none.
    public static func make(plugin: String, entry: JSON) -> Result<MCPTool, ToolName.Refusal> {
        guard let id = entry["id"]?.stringValue else { return .failure(ToolName.Refusal("the entry has no id")) }
        let name: String
        switch ToolName.make(plugin: plugin, entry: id) {
        case .success(let made): name = made
        case .failure(let refusal): return .failure(refusal)
        }
        let (output, wraps) = outputSchema(entry["result_schema"])
        return .success(MCPTool(
            name: name, plugin: plugin, entry: id, title: entry["name"]?.stringValue ?? id,
            description: entry["description"]?.stringValue ?? "", inputSchema: inputSchema(entry["schema"]),
            outputSchema: output, wrapsResult: wraps, hints: entry["hints"]?.arrayValue?.compactMap(\.stringValue) ?? []))
    }

    /// An entry's arguments are always an object: a schema that says no
    /// type (or none at all) says `"type": "object"` here.
    static func inputSchema(_ schema: JSON?) -> JSON {
        guard case .object(var object)? = schema else { return ["type": "object"] }
        if object["type"] == nil { object["type"] = "object" }
        return .object(object)
    }

    /// The `outputSchema` for result schema `schema`, and whether results are wrapped.
    static func outputSchema(_ schema: JSON?) -> (JSON?, Bool) {
        guard let schema, case .object(let object) = schema else { return (nil, false) }
        if object["type"] == "object" { return (schema, false) }
        return (["type": "object", "properties": ["result": schema], "required": ["result"]], true)
    }

    /// MCP's annotations for the hints: each hint the entry claims is
    /// `true`; one it does not claim is left out (MCP's default applies), as
    /// a Neko entry's missing hint claims nothing.
    public var annotations: JSONObject {
        var object = JSONObject()
        for (hint, key) in [("read_only", "readOnlyHint"), ("destructive", "destructiveHint"), ("idempotent", "idempotentHint"), ("open_world", "openWorldHint")]
        where hints.contains(hint) {
            object[key] = true
        }
        return object
    }

    /// The tool as `tools/list` shows it.
    public var json: JSON {
        var object: JSONObject = [
            "name": .string(name), "title": .string(title), "description": .string(description), "inputSchema": inputSchema,
        ]
        if let outputSchema { object["outputSchema"] = outputSchema }
        if !annotations.isEmpty { object["annotations"] = .object(annotations) }
        return .object(object)
    }
}
