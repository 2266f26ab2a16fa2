/// The coding key of an array element, spelled as Foundation spells it
/// (`"Index 2"`), so that ``ArgumentError`` can show it as `[2]`.
struct JSONIndexKey: CodingKey, Sendable {
    let index: Int

    init(_ index: Int) {
        self.index = index
    }

    init?(stringValue: String) {
        return nil
    }

    init?(intValue: Int) {
        self.index = intValue
    }

    var stringValue: String { "Index \(index)" }
    var intValue: Int? { index }
}

/// A coding key for any object member, named by its string.
struct JSONStringKey: CodingKey, Sendable {
    let stringValue: String

    init(_ stringValue: String) {
        self.stringValue = stringValue
    }

    init?(stringValue: String) {
        self.stringValue = stringValue
    }

    init?(intValue: Int) {
        self.stringValue = String(intValue)
    }

    var intValue: Int? { nil }

    /// The key `superDecoder()` and `superEncoder()` use, as in Foundation.
    static let `super` = JSONStringKey("super")
}

/// One step of a coding path: a member key or an array position. Decoders and
/// encoders keep one per nesting level and build `codingPath` only on demand.
enum JSONPathComponent {
    case key(any CodingKey)
    case index(Int)

    var codingKey: any CodingKey {
        switch self {
        case .key(let key): key
        case .index(let index): JSONIndexKey(index)
        }
    }
}

/// What a JSON decoder found where it expected something else; carried as the
/// `underlyingError` of a `DecodingError` so that ``ArgumentError`` can say
/// what was expected and what was there.
struct JSONValueMismatch: Error, CustomStringConvertible {
    /// What was expected, with its article: `"an integer"`, `"a string"`.
    let expected: String
    /// The value found, or `nil` when there was none (an array too short).
    let found: JSON?

    var description: String {
        "expected \(expected), found \(found.map(ArgumentError.describe) ?? "nothing")"
    }

    /// How to say what a Swift type expects in JSON terms, eg `"an integer"`.
    static func expectation(for type: Any.Type) -> String {
        switch type {
        case is String.Type, is Substring.Type, is Character.Type: return "a string"
        case is Bool.Type: return "a boolean"
        case is any BinaryInteger.Type: return "an integer"
        case is any BinaryFloatingPoint.Type: return "a number"
        case is [String: Any].Type, is JSONObject.Type: return "an object"
        case is [Any].Type: return "an array"
        default:
            let name = String(describing: type)
            if name.hasPrefix("Dictionary<") { return "an object" }
            if name.hasPrefix("Array<") || name.hasPrefix("Set<") || name.hasPrefix("ContiguousArray<") { return "an array" }
            return "a value of type \(name)"
        }
    }
}
