import MCP
@_spi(Neko) import NekoCore
import NekoMCP
import NekoServe
import Testing

/// How entries become MCP tools: names, schemas, hints, results and errors.
@Suite struct ToolMappingTests {
    static let greet: JSON = [
        "id": "greet", "name": "Greet", "description": "Greets.",
        "schema": ["type": "object", "properties": ["name": ["type": "string"]], "required": ["name"]],
        "result_schema": ["type": "object", "properties": ["greeting": ["type": "string"]]],
        "hints": ["read_only", "idempotent"],
    ]

    @Test func namesArePluginTwoUnderscoresEntry() throws {
        #expect(try ToolName.make(plugin: "hello", entry: "greet").get() == "hello__greet")
        // '.' is allowed in entry ids, not in tool names.
        #expect(try ToolName.make(plugin: "hello", entry: "v1.greet").get() == "hello__v1_greet")
        let long = String(repeating: "a", count: 60)
        guard case .failure(let refusal) = ToolName.make(plugin: "hello", entry: long) else {
            Issue.record("a 67-character name must be refused")
            return
        }
        #expect(refusal.reason.contains("is 67 characters; MCP allows at most 64"))
        #expect(ToolName.isValid("a-b_C9") && !ToolName.isValid("") && !ToolName.isValid("a.b") && !ToolName.isValid("é"))
    }

    @Test func schemasAndHints() throws {
        let tool = try MCPTool.make(plugin: "hello", entry: Self.greet).get()
        #expect(tool.name == "hello__greet" && tool.title == "Greet" && tool.description == "Greets.")
        #expect(tool.inputSchema == Self.greet["schema"])
        #expect(tool.outputSchema == Self.greet["result_schema"] && !tool.wrapsResult)
        #expect(tool.annotations == ["readOnlyHint": true, "idempotentHint": true])
        #expect(tool.json["annotations"] == ["readOnlyHint": true, "idempotentHint": true])

        // No schema: an object; a schema without a type: an object's.
        let bare = try MCPTool.make(plugin: "p", entry: ["id": "raw"]).get()
        #expect(bare.inputSchema == ["type": "object"] && bare.outputSchema == nil && bare.annotations.isEmpty)
        #expect(bare.json["annotations"] == nil && bare.json["outputSchema"] == nil)
        let untyped = try MCPTool.make(plugin: "p", entry: ["id": "e", "schema": ["properties": [:]]]).get()
        #expect(untyped.inputSchema == ["properties": [:], "type": "object"])

        // A result that is not an object is wrapped: {"result": ...}.
        let number = try MCPTool.make(plugin: "p", entry: ["id": "n", "result_schema": ["type": "number"]]).get()
        #expect(number.wrapsResult)
        #expect(number.outputSchema == ["type": "object", "properties": ["result": ["type": "number"]], "required": ["result"]])
        let all = try MCPTool.make(plugin: "p", entry: ["id": "x", "hints": ["destructive", "open_world", "future_hint"]]).get()
        #expect(all.annotations == ["destructiveHint": true, "openWorldHint": true])
    }

    @Test func resultsAndErrors() throws {
        let tool = try MCPTool.make(plugin: "hello", entry: Self.greet).get()
        let result = ToolResult.make(.success(["greeting": "Hi"]), for: tool)
        #expect(result.isError != true)
        #expect(result.content == [.text(text: #"{"greeting":"Hi"}"#, annotations: nil, _meta: nil)])
        #expect(result.structuredContent == .object(["greeting": .string("Hi")]))

        let number = try MCPTool.make(plugin: "p", entry: ["id": "n", "result_schema": ["type": "number"]]).get()
        #expect(ToolResult.make(.success(42), for: number).structuredContent == .object(["result": .int(42)]))
        let plain = try MCPTool.make(plugin: "p", entry: ["id": "raw"]).get()
        #expect(ToolResult.make(.success("text"), for: plain).structuredContent == nil)
        #expect(ToolResult.make(.success("text"), for: plain).content == [.text(text: "text", annotations: nil, _meta: nil)])

        let error = ToolResult.make(.failure(ControlError("invalid_argument", "argument 'name' must be a string, got 42", field: "name")), for: tool)
        #expect(error.isError == true)
        #expect(error.content == [.text(text: "invalid_argument: argument 'name' must be a string, got 42 (field: name)", annotations: nil, _meta: nil)])
    }

    @Test func catalogOptOutsSelectionAndCollisions() {
        let hello: JSON = ["id": "hello", "state": "loaded", "entries": [Self.greet, ["id": "fail"]], "mcp": ["expose": true, "hide": ["fail"]]]
        let quiet: JSON = ["id": "quiet", "state": "loaded", "entries": [["id": "x"]], "mcp": ["expose": false, "hide": []]]
        let failed: JSON = ["id": "broken", "state": "failed", "entries": nil]
        // "a__b" + "c" and "a" + "b__c" make the same name: the second is left out.
        let first: JSON = ["id": "a__b", "state": "loaded", "entries": [["id": "c"]]]
        let second: JSON = ["id": "a", "state": "loaded", "entries": [["id": "b__c"]]]
        let catalog = ToolCatalog(plugins: [hello, quiet, failed, first, second], selection: .init())
        #expect(catalog.tools.map(\.name) == ["hello__greet", "a__b__c"])
        #expect(catalog.leftOut.map(\.plugin) == ["hello", "quiet", "broken", "a"])
        #expect(catalog.leftOut[0].reason.contains("hidden by [plugin.mcp] hide"))
        #expect(catalog.leftOut[1].reason.contains("expose = false"))
        #expect(catalog.leftOut[2].reason.contains("not running (failed)"))
        #expect(catalog.leftOut[3].reason.contains("already that of a__b:c"))
        #expect(catalog.tool(named: "hello__greet")?.entry == "greet" && catalog.tool(named: "hello__fail") == nil)

        let all = ToolCatalog(plugins: [hello, quiet], selection: .init(ignoreOptOuts: true))
        #expect(all.tools.map(\.name) == ["hello__greet", "hello__fail", "quiet__x"])
        let only = ToolCatalog(plugins: [hello, quiet], selection: .init(only: ["quiet"], ignoreOptOuts: true))
        #expect(only.tools.map(\.name) == ["quiet__x"])
    }
}
