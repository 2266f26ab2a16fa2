/// The name of the tool for a plugin's entry: `<plugin>__<entry>`, which
/// MCP clients require to match `^[a-zA-Z0-9_-]{1,64}$`.
public enum ToolName {
    /// The longest tool name MCP clients accept.
    public static let maximumLength = 64

    /// The tool name of entry `entry` of plugin `plugin`: `<plugin>__<entry>`,
    /// each `.` of the entry id (allowed in entry ids, not in tool names)
    /// written `_`.
    /// - Returns: the name, or why the entry gets none (too long).
    public static func make(plugin: String, entry: String) -> Result<String, Refusal> {
        let name = "\(plugin)__\(String(entry.map { $0 == "." ? "_" : $0 }))"
        guard isValid(name) else {
            let length = name.utf8.count
            let reason = length > maximumLength
                ? "the tool name '\(name)' is \(length) characters; MCP allows at most \(maximumLength)"
                : "the tool name '\(name)' has characters outside A-Z a-z 0-9 _ -"
            return .failure(Refusal(reason))
        }
        return .success(name)
    }

    /// Whether `name` matches `^[a-zA-Z0-9_-]{1,64}$`.
    public static func isValid(_ name: String) -> Bool {
        (1...maximumLength).contains(name.utf8.count) && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }

    /// Why an entry gets no tool name.
    public struct Refusal: Error, Sendable, Equatable {
        /// What is wrong, naming the name.
        public let reason: String
        /// Makes a refusal.
        public init(_ reason: String) { self.reason = reason }
    }
}
