import MCP
@_spi(Neko) import NekoCore
import NekoServe

/// What `tools/call` answers for a call's outcome.
public enum ToolResult {
    /// A result: its JSON as text, and as `structuredContent` when the tool
    /// has an `outputSchema` (wrapped, `{"result": ...}`, for a result schema
    /// that is not an object's). An error: `isError: true`, with
    /// `code: message` and the field at fault in the text
    /// (`invalid_argument: argument 'name' must be a string, got 42 (field: name)`).
    public static func make(_ outcome: Result<JSON, ControlError>, for tool: MCPTool) -> CallTool.Result {
        switch outcome {
        case .success(let value):
            let text = value.stringValue ?? value.serializedString()
            guard tool.outputSchema != nil else { return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)]) }
            let structured: JSON = tool.wrapsResult ? ["result": value] : value
            let content: MCP.Value? = Value(neko: structured)
            return CallTool.Result(content: [.text(text: text, annotations: nil, _meta: nil)], structuredContent: content, isError: nil, _meta: nil)
        case .failure(let error):
            return CallTool.Result(content: [.text(text: error.description, annotations: nil, _meta: nil)], isError: true)
        }
    }
}

extension JSON {
    /// The compact JSON text of the value.
    func serializedString() -> String {
        String(decoding: serialized(), as: UTF8.self)
    }
}
