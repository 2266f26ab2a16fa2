@_spi(Neko) import NekoCore

/// What a plugin says about one of its entries.
public struct EntryInfo: Sendable, Equatable {
    /// The id callers use, eg `"greet"`.
    public let id: String
    /// A name for people, eg `"Greet"`.
    public let name: String
    /// What the entry does.
    public let description: String
    /// The JSON Schema of its arguments object.
    public let schema: JSON
    /// Whether it completes asynchronously.
    public let isAsync: Bool
    /// Its own deadline, if it declares one.
    public let timeout: Duration?
    /// The JSON Schema of its result, when it says (ABI 1.1).
    public let resultSchema: JSON?
    /// What it promises about its effects (ABI 1.1).
    public let hints: EntryHints
    /// Whether the host checks its arguments against `schema` before the
    /// plugin sees them (`NEKO_ENTRY_VALIDATE_ARGS`, ABI 1.1).
    public let validatesArguments: Bool

    /// Describes an entry; the 1.1 parts default to "not said".
    public init(
        id: String, name: String, description: String, schema: JSON, isAsync: Bool, timeout: Duration?,
        resultSchema: JSON? = nil, hints: EntryHints = [], validatesArguments: Bool = false
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.schema = schema
        self.isAsync = isAsync
        self.timeout = timeout
        self.resultSchema = resultSchema
        self.hints = hints
        self.validatesArguments = validatesArguments
    }

    /// Whether `id` is a valid entry or timer id: `[A-Za-z0-9_.-]{1,128}`.
    static func isValidID(_ id: String) -> Bool {
        (1...128).contains(id.utf8.count) && id.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
                true
            default: false
            }
        }
    }
}
