import FoundationEssentials

/// Turns values into bytes and back, for a ``KeyValueStore``.
///
/// The store stays free of any one encoding: ``JSONValueCoder`` is the
/// default, and the plugin SDK passes its own faster JSON codec. A coder is
/// called from many tasks at once, outside the database lock.
public protocol ValueCoder: Sendable {
    /// Encodes `value` to bytes.
    func encode<T: Encodable>(_ value: T) throws -> [UInt8]
    /// Decodes a value of type `type` from `bytes`, which ``encode(_:)`` wrote.
    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T
}

/// A ``ValueCoder`` that writes compact UTF-8 JSON with the standard library's
/// `JSONEncoder` and `JSONDecoder` (from FoundationEssentials).
///
/// Top-level numbers, strings and booleans are written as JSON fragments
/// (`42`, `"hi"`), so they can be stored on their own. Dates are written as
/// `JSONEncoder` writes them by default (seconds since 2001).
public struct JSONValueCoder: ValueCoder {
    /// Shared by every call; `JSONEncoder` and `JSONDecoder` are safe to use
    /// from many threads at once.
    private let encoder = JSONEncoder()
    private let decoder = JSONDecoder()

    /// Makes a coder.
    public init() {}

    /// Encodes `value` as compact UTF-8 JSON.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try [UInt8](encoder.encode(value))
    }

    /// Decodes a `type` from UTF-8 JSON.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try decoder.decode(type, from: Data(bytes))
    }
}
