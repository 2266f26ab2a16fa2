/// A value a ``KeyValueStore`` could not encode or decode, with its key.
///
/// ```text
/// cannot decode the value of key 'settings' as Settings: no value for 'volume'
/// cannot encode the Double value for key 'ratio': Unable to encode Double.nan directly in JSON.
/// ```
///
/// Database failures are thrown as ``DatabaseError`` instead.
public struct KeyValueStoreError: Error, Sendable, CustomStringConvertible {
    /// What the store was doing.
    public enum Operation: Sendable, Hashable {
        /// Encoding a value to store it (``KeyValueStore/set(_:_:)``).
        case encode
        /// Decoding a stored value (``KeyValueStore/get(_:as:)``).
        case decode
    }

    /// What the store was doing.
    public let operation: Operation
    /// The key whose value failed, e.g. `settings`.
    public let key: String
    /// The Swift type the value was encoded from or decoded as, e.g. `Settings`.
    public let typeName: String
    /// Why, as the coder said it, e.g. `no value for 'volume'`.
    public let reason: String

    /// Makes an error.
    public init(operation: Operation, key: String, typeName: String, reason: String) {
        self.operation = operation
        self.key = key
        self.typeName = typeName
        self.reason = reason
    }

    /// Makes an error from the coder's `error`, worded for a person.
    init(operation: Operation, key: String, type: Any.Type, error: any Error) {
        self.init(operation: operation, key: key, typeName: String(describing: type), reason: Self.reason(for: error))
    }

    /// `cannot decode the value of key 'a' as Int: <reason>`, or
    /// `cannot encode the Int value for key 'a': <reason>`.
    public var description: String {
        switch operation {
        case .encode: "cannot encode the \(typeName) value for key '\(key)': \(reason)"
        case .decode: "cannot decode the value of key '\(key)' as \(typeName): \(reason)"
        }
    }

    /// The message of a `DecodingError` or `EncodingError`, with the path of the
    /// failing member (`items[2].name`) when it is not the whole value; other
    /// errors as they describe themselves.
    private static func reason(for error: any Error) -> String {
        let context: (path: [any CodingKey], message: String)
        switch error {
        case DecodingError.typeMismatch(_, let details),
             DecodingError.valueNotFound(_, let details),
             DecodingError.dataCorrupted(let details):
            context = (details.codingPath, details.debugDescription)
        case DecodingError.keyNotFound(let key, let details):
            context = (details.codingPath, "no value for '\(key.stringValue)'")
        case EncodingError.invalidValue(_, let details):
            context = (details.codingPath, details.debugDescription)
        default:
            return String(describing: error)
        }
        guard !context.path.isEmpty else { return context.message }
        return "\(context.message) (at \(path(context.path)))"
    }

    /// `items[2].name` for the coding path items, 2, name.
    private static func path(_ keys: [any CodingKey]) -> String {
        var text = ""
        for key in keys {
            if let index = key.intValue {
                text += "[\(index)]"
            } else {
                text += text.isEmpty ? key.stringValue : ".\(key.stringValue)"
            }
        }
        return text
    }
}
