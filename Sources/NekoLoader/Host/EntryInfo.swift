import NekoCore

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
