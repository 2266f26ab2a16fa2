// Why two encoders (issue #11: one encoder unless the second pays for itself).
// This file, the tree encoder, builds a `JSON` tree; JSONByteEncoding.swift
// writes bytes in one pass. The tree encoder cannot go: it is
// `NekoJSONEncoder.encodeJSON` (settings are merged and pretty-printed as a
// tree) and the fallback for what one pass cannot write (a container written
// after a later sibling began, `superEncoder`, a key encoded twice, a thrown
// error). The byte encoder is the fast path of every call's result, and
// `neko-bench --encoding` (release, 2 vCPUs, two runs on a busy machine, load
// 4 to 6) gives it 1.9x to 3.5x over this tree plus `serialized()`:
// `{"saved":true}` 430-480 ns vs 0.92-1.34 µs, a 5-field record 620-790 ns vs
// 1.32-2.10 µs, a 20-field object with 10 array items 12-19 µs vs 37-42 µs.
// That is 0.4 to 0.9 µs saved on hello.save, against 725 ns for the whole
// typed call on a quiet machine: it pays for itself.

/// A value under construction by the tree encoder. Containers are references,
/// so that a container handed out earlier can still add to its value.
enum JSONTreeNode {
    case value(JSON)
    case object(JSONTreeObject)
    case array(JSONTreeArray)
    /// A `superEncoder`, whose value is whatever it has when the encode ends.
    case encoder(JSONTreeEncoder)

    var json: JSON {
        switch self {
        case .value(let value): value
        case .object(let object): .object(object.json)
        case .array(let array): .array(array.values.map(\.json))
        case .encoder(let encoder): encoder.storage?.json ?? .object(JSONObject())
        }
    }
}

/// An object under construction: keys unique, the last value for a key wins.
final class JSONTreeObject {
    var keys: [String] = []
    var values: [JSONTreeNode] = []
    /// Positions by key, once the object is too large for linear search.
    var positions: [String: Int]? = nil

    func position(of key: String) -> Int? {
        if let positions { return positions[key] }
        return keys.firstIndex(of: key)
    }

    func set(_ node: JSONTreeNode, for key: String) {
        if let position = position(of: key) {
            values[position] = node
            return
        }
        keys.append(key)
        values.append(node)
        if positions != nil {
            positions![key] = keys.count - 1
        } else if keys.count > 32 {
            positions = Dictionary(uniqueKeysWithValues: zip(keys, keys.indices))
        }
    }

    var json: JSONObject {
        JSONObject(uniqueMembers: zip(keys, values).map { JSONObject.Member(key: $0, value: $1.json) })
    }
}

/// An array under construction.
final class JSONTreeArray {
    var values: [JSONTreeNode] = []
}

/// The `Encoder` that builds a ``JSON`` tree: the reference semantics behind
/// ``NekoJSONEncoder/encodeJSON(_:)``, and the fallback of the byte encoder.
final class JSONTreeEncoder: Encoder, SingleValueEncodingContainer {
    let parent: JSONTreeEncoder?
    let component: JSONPathComponent?
    let rootUserInfo: [CodingUserInfoKey: any Sendable]
    /// What was encoded; `nil` while nothing was.
    var storage: JSONTreeNode?

    init(parent: JSONTreeEncoder?, component: JSONPathComponent?, userInfo: [CodingUserInfoKey: any Sendable] = [:]) {
        self.parent = parent
        self.component = component
        self.rootUserInfo = userInfo
    }

    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var node: JSONTreeEncoder? = self
        while let current = node {
            if let component = current.component { path.append(component.codingKey) }
            node = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] {
        var root = self
        while let parent = root.parent { root = parent }
        return root.rootUserInfo
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: JSONTreeObject
        if case .object(let existing)? = storage {
            object = existing
        } else {
            object = JSONTreeObject()
            storage = .object(object)
        }
        return KeyedEncodingContainer(JSONTreeKeyedContainer<Key>(encoder: self, object: object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: JSONTreeArray
        if case .array(let existing)? = storage {
            array = existing
        } else {
            array = JSONTreeArray()
            storage = .array(array)
        }
        return JSONTreeUnkeyedContainer(encoder: self, array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        self
    }

    /// The node for `value`, a child of this encoder's value at `component`
    /// (or this encoder's own value when `component` is `nil`); `nil` when the
    /// value encoded nothing.
    func box<T: Encodable>(_ value: T, at component: JSONPathComponent?) throws -> JSONTreeNode? {
        if T.self == String.self { return .value(.string(unsafeBitCast(value, to: String.self))) }
        if T.self == Int.self { return .value(.int(Int64(unsafeBitCast(value, to: Int.self)))) }
        if T.self == Bool.self { return .value(.bool(unsafeBitCast(value, to: Bool.self))) }
        if T.self == Double.self { return .value(try checked(unsafeBitCast(value, to: Double.self), at: component)) }
        if T.self == JSON.self {
            let json = unsafeBitCast(value, to: JSON.self)
            guard Self.isFinite(json) else {
                throw invalid(json, "JSON cannot express a double that is not finite.", at: component)
            }
            return .value(json)
        }
        let encoder = component.map { JSONTreeEncoder(parent: self, component: $0) } ?? self
        try value.encode(to: encoder)
        return encoder.storage
    }

    /// The node for a nested value; `{}` if it encoded nothing, as in Foundation.
    func boxNested<T: Encodable>(_ value: T, at component: JSONPathComponent) throws -> JSONTreeNode {
        try box(value, at: component) ?? .value(.object(JSONObject()))
    }

    static func isFinite(_ json: JSON) -> Bool {
        switch json {
        case .double(let number): number.isFinite
        case .array(let elements): elements.allSatisfy(isFinite)
        case .object(let object): object.members.allSatisfy { isFinite($0.value) }
        default: true
        }
    }

    func invalid(_ value: Any, _ reason: String, at component: JSONPathComponent?) -> EncodingError {
        let path = component.map { codingPath + [$0.codingKey] } ?? codingPath
        return .invalidValue(value, .init(codingPath: path, debugDescription: reason))
    }

    func checked(_ value: Double, at component: JSONPathComponent?) throws -> JSON {
        guard value.isFinite else { throw invalid(value, "JSON cannot express the double \(value).", at: component) }
        return .double(value)
    }

    func checked(_ value: Float, at component: JSONPathComponent?) throws -> JSON {
        guard let double = JSONOutput.double(from: value) else {
            throw invalid(value, "JSON cannot express the float \(value).", at: component)
        }
        return .double(double)
    }

    func checked<I: FixedWidthInteger>(_ value: I, at component: JSONPathComponent?) throws -> JSON {
        guard let integer = Int64(exactly: value) else {
            throw invalid(value, "The integer \(value) is beyond the range of Int64; send it as a string.", at: component)
        }
        return .int(integer)
    }

    // MARK: Single value

    func encodeNil() throws { storage = .value(.null) }
    func encode(_ value: Bool) throws { storage = .value(.bool(value)) }
    func encode(_ value: String) throws { storage = .value(.string(value)) }
    func encode(_ value: Double) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Float) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Int) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Int8) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Int16) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Int32) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Int64) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: Int128) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: UInt) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: UInt8) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: UInt16) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: UInt32) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: UInt64) throws { storage = .value(try checked(value, at: nil)) }
    func encode(_ value: UInt128) throws { storage = .value(try checked(value, at: nil)) }

    func encode<T: Encodable>(_ value: T) throws {
        if let node = try box(value, at: nil) {
            storage = node
        } else if storage == nil {
            storage = .value(.object(JSONObject()))
        }
    }
}
