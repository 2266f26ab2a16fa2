/// Encodes `Encodable` values as compact UTF-8 JSON, fast.
///
/// ```swift
/// let bytes = try NekoJSONEncoder().encode(SetResult(saved: true, key: "a"))
/// ```
///
/// ``encode(_:)`` writes straight into a byte buffer as the value encodes
/// itself. The few patterns that cannot be written in one pass (a container
/// written to after a later sibling was started, `superEncoder`, a key encoded
/// twice, a thrown error) make it start over with ``encodeJSON(_:)``, which
/// builds a ``JSON`` tree first; both give the same bytes for the same value.
///
/// What it writes: members in the order they are encoded, and no member for
/// an optional property encoded with `encodeIfPresent` (the synthesized
/// default) when it is `nil`. A key encoded twice in one container keeps the
/// last value, at the position of the first. Doubles are written as
/// ``JSON/serialized()`` writes them (`3.0`, `0.1`); a `Float` is written as
/// the double nearest its shortest decimal form, so `Float(0.1)` is `0.1`.
/// A property of type ``JSON`` is written as it is. Foundation types encode
/// through their own `Codable` implementations, without the special cases of
/// Foundation's `JSONEncoder`.
///
/// It throws `EncodingError.invalidValue` for a double or float that is not
/// finite, for an integer beyond `Int64` (JSON integers here are `Int64`;
/// send such numbers as strings), and for a top-level value that encodes
/// nothing.
public struct NekoJSONEncoder: Sendable {
    /// Values handed to `encode(to:)` implementations as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable]

    /// Makes an encoder.
    public init(userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.userInfo = userInfo
    }

    /// Encodes `value` as compact UTF-8 JSON bytes.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        if T.self == JSON.self {
            return try Self.serialize(unsafeBitCast(value, to: JSON.self))
        }
        let writer = JSONByteWriter(userInfo: userInfo)
        defer { writer.abandonOpenContainers() }
        do {
            try writer.encodeNested(value, emptyAsObject: false)
        } catch {
            if !writer.needsTree { throw error }
        }
        guard !writer.needsTree, writer.isFilled else {
            return try Self.serialize(encodeJSON(value))
        }
        return writer.bytes.array()
    }

    /// Encodes `value` as a ``JSON`` tree.
    public func encodeJSON<T: Encodable>(_ value: T) throws -> JSON {
        let encoder = JSONTreeEncoder(parent: nil, component: nil, userInfo: userInfo)
        let node = try encoder.box(value, at: nil)
        guard let node else {
            throw EncodingError.invalidValue(value, .init(
                codingPath: [], debugDescription: "Top-level \(T.self) did not encode any values."))
        }
        return node.json
    }

    static func serialize(_ json: JSON) throws -> [UInt8] {
        var bytes = JSONByteBuffer()
        defer { bytes.deallocate() }
        guard JSONOutput.write(json, into: &bytes) else {
            throw EncodingError.invalidValue(json, .init(
                codingPath: [], debugDescription: "JSON cannot express a double that is not finite."))
        }
        return bytes.array()
    }
}

extension JSONOutput {
    /// The double nearest a float's shortest decimal form, so that `Float(0.1)`
    /// is written `0.1`; `nil` if the float is not finite.
    static func double(from value: Float) -> Double? {
        guard value.isFinite else { return nil }
        return Double(value.description) ?? Double(value)
    }
}
