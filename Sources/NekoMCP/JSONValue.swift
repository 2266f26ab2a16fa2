import FoundationEssentials
import MCP
@_spi(Neko) import NekoCore

extension MCP.Value {
    /// The MCP SDK's value for a Neko JSON value.
    init(neko json: JSON) {
        switch json {
        case .null: self = .null
        case .bool(let value): self = .bool(value)
        case .int(let value): self = Int(exactly: value).map { .int($0) } ?? .double(Double(value))
        case .double(let value): self = .double(value)
        case .string(let value): self = .string(value)
        case .array(let values): self = .array(values.map { Value(neko: $0) })
        case .object(let members): self = .object(Dictionary(uniqueKeysWithValues: members.map { ($0.key, Value(neko: $0.value)) }))
        }
    }
}

extension JSON {
    /// The Neko JSON value for an MCP SDK value (binary data becomes its data URL string).
    init(mcp value: MCP.Value) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .int(let number): self = .int(Int64(number))
        case .double(let number): self = .double(number)
        case .string(let text): self = .string(text)
        case .data(let mimeType, let data):
            self = .string("data:\(mimeType ?? "application/octet-stream");base64,\(data.base64EncodedString())")
        case .array(let values): self = .array(values.map { JSON(mcp: $0) })
        case .object(let members):
            var object = JSONObject()
            for (key, member) in members { object[key] = JSON(mcp: member) }
            self = .object(object)
        }
    }
}
