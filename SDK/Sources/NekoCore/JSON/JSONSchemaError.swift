/// A schema that cannot be compiled: which keyword, where, and why.
///
/// ```text
/// #/properties/id: 'pattern' is not a valid regular expression: expected ']' ("[a-")
/// #/properties/n: 'minimum' must be a number, got "0"
/// #/items: '$ref' points to nowhere: no '#/$defs/Item' in the schema
/// #/$defs/a: '$ref' loops back to '#/$defs/a' without reading into the value (#/$defs/a -> #/$defs/b -> #/$defs/a)
/// ```
///
/// A host refuses a plugin whose entry has such a schema, naming the entry.
public struct JSONSchemaError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Where the offending keyword is, as a JSON pointer into the schema, eg
    /// `#/properties/id` (`#` is the schema itself).
    public let pointer: String
    /// The offending keyword, eg `pattern`; `nil` when the problem is the
    /// value at `pointer` as a whole (eg a number where a schema should be).
    public let keyword: String?
    /// What is wrong, eg `must be a number, got "0"`.
    public let reason: String

    /// Makes an error from its parts.
    public init(pointer: String, keyword: String?, reason: String) {
        self.pointer = pointer
        self.keyword = keyword
        self.reason = reason
    }

    /// `<pointer>: '<keyword>' <reason>`, or `<pointer>: <reason>`.
    public var description: String {
        if let keyword { return "\(pointer): '\(keyword)' \(reason)" }
        return "\(pointer): \(reason)"
    }
}
