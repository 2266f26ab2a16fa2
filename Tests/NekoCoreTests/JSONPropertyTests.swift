import NekoCore
import Testing

/// A tiny deterministic generator (SplitMix64), so that the property tests
/// below see the same values on every run.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Decodes exactly three numbers from an array, like a point.
struct Point: Decodable {
    var x, y, z: Double
    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        x = try container.decode(Double.self)
        y = try container.decode(Double.self)
        z = try container.decode(Double.self)
    }
}

@Suite("JSON properties")
struct JSONPropertyTests {
    static func randomValue(depth: Int, using generator: inout SeededGenerator) -> JSON {
        let pick = Int.random(in: 0..<(depth > 3 ? 5 : 7), using: &generator)
        switch pick {
        case 0: return .null
        case 1: return .bool(Bool.random(using: &generator))
        case 2: return .int(Int64.random(in: .min ... .max, using: &generator) >> Int64.random(in: 0..<63, using: &generator))
        case 3:
            let double = Double(bitPattern: UInt64.random(in: 0 ... .max, using: &generator))
            return .double(double.isFinite ? double : 0.5)
        case 4:
            let alphabet = Array("ab \"\\/\n\t\u{0}\u{1F}é€😀")
            return .string(String((0..<Int.random(in: 0..<8, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
        case 5:
            return .array((0..<Int.random(in: 0..<4, using: &generator)).map { _ in randomValue(depth: depth + 1, using: &generator) })
        default:
            var object = JSONObject()
            for index in 0..<Int.random(in: 0..<4, using: &generator) {
                object["k\(index)\(Int.random(in: 0..<3, using: &generator))"] = randomValue(depth: depth + 1, using: &generator)
            }
            return .object(object)
        }
    }

    @Test func randomValuesRoundTripThroughEveryPath() throws {
        var generator = SeededGenerator(state: 42)
        let encoder = NekoJSONEncoder()
        let decoder = NekoJSONDecoder()
        for _ in 0..<500 {
            let value = Self.randomValue(depth: 0, using: &generator)
            let written = value.serialized()
            let parsed = try JSON.parse(written)
            #expect(parsed == value)
            #expect(String(decoding: parsed.serialized(), as: UTF8.self) == String(decoding: written, as: UTF8.self))
            #expect(try encoder.encode(value) == written)
            #expect(try decoder.decode(JSON.self, from: written) == value)
            #expect(try JSON.parse(value.prettyPrinted()) == value)
        }
    }

    @Test func bytesAndTreeEncodingsAgree() throws {
        let encoder = NekoJSONEncoder()
        let values: [any Encodable] = [
            Interleaved(), TwiceEncoded(), WithSuper(), Cat(name: "c"), [1: "int keys"], ["nested": [[1.5], []]],
            Order(name: "o", items: [Item(id: 1, label: nil)], tags: [:], note: "n", ratio: -0.0, small: 7, extra: ["x": nil]),
        ]
        for value in values {
            #expect(try encoder.encode(value) == encoder.encodeJSON(value).serialized())
        }
    }

    @Test func reportsAnArrayThatIsTooShort() {
        do {
            _ = try NekoJSONDecoder().decodeArguments([String: Point].self, from: Array(#"{"at":[1,2]}"#.utf8))
            Issue.record("should not decode")
        } catch {
            #expect(error == ArgumentError(field: "at[2]", message: "missing required argument 'at[2]'"))
        }
        do {
            _ = try NekoJSONDecoder().decodeArguments([String: Point].self, from: Array(#"{"at":[1,"2",3]}"#.utf8))
            Issue.record("should not decode")
        } catch {
            #expect(error.message == #"argument 'at[1]' must be a number, got "2""#)
        }
    }

    @Test func decodesDeeplyNestedValues() throws {
        let depth = 500
        let document = String(repeating: "[", count: depth) + "7" + String(repeating: "]", count: depth)
        var json = try NekoJSONDecoder().decode(JSON.self, from: Array(document.utf8))
        for _ in 0..<depth {
            guard case .array(let elements) = json, elements.count == 1 else {
                Issue.record("expected a one-element array")
                return
            }
            json = elements[0]
        }
        #expect(json == 7)
        #expect(throws: DecodingError.self) {
            try NekoJSONDecoder(maximumDepth: 100).decode(JSON.self, from: Array(document.utf8))
        }
    }
}
