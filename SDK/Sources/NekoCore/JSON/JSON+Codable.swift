extension JSON: Codable {
    /// Decodes any JSON value.
    ///
    /// From ``NekoJSONDecoder`` this takes the subtree as it is, without
    /// walking it. From other decoders it tries, in order: `null`, a Boolean,
    /// an `Int64`, a `Double`, a string, an object, an array.
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? JSONDecoderImpl {
            self = decoder.value
            return
        }
        if let single = try? decoder.singleValueContainer() {
            if single.decodeNil() {
                self = .null
                return
            }
            if let flag = try? single.decode(Bool.self) {
                self = .bool(flag)
                return
            }
            if let integer = try? single.decode(Int64.self) {
                self = .int(integer)
                return
            }
            if let number = try? single.decode(Double.self) {
                self = .double(number)
                return
            }
            if let text = try? single.decode(String.self) {
                self = .string(text)
                return
            }
        }
        if let container = try? decoder.container(keyedBy: JSONStringKey.self) {
            var object = JSONObject()
            for key in container.allKeys {
                object[key.stringValue] = try container.decode(JSON.self, forKey: key)
            }
            self = .object(object)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var elements: [JSON] = []
            while !container.isAtEnd {
                elements.append(try container.decode(JSON.self))
            }
            self = .array(elements)
            return
        }
        throw DecodingError.dataCorrupted(.init(
            codingPath: decoder.codingPath, debugDescription: "The value is not one that JSON can express."))
    }

    /// Encodes the value as it is.
    ///
    /// ``NekoJSONEncoder`` writes the tree directly; other encoders receive
    /// its parts through the usual containers.
    public func encode(to encoder: any Encoder) throws {
        if encoder is JSONByteEncoder || encoder is JSONTreeEncoder {
            // Their single-value containers take JSON on a fast path.
            var container = encoder.singleValueContainer()
            try container.encode(self)
            return
        }
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let flag):
            var container = encoder.singleValueContainer()
            try container.encode(flag)
        case .int(let integer):
            var container = encoder.singleValueContainer()
            try container.encode(integer)
        case .double(let number):
            var container = encoder.singleValueContainer()
            try container.encode(number)
        case .string(let text):
            var container = encoder.singleValueContainer()
            try container.encode(text)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements {
                try container.encode(element)
            }
        case .object(let object):
            var container = encoder.container(keyedBy: JSONStringKey.self)
            for (key, value) in object {
                try container.encode(value, forKey: JSONStringKey(key))
            }
        }
    }
}
