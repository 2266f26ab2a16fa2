import Foundation
@_spi(Neko) import NekoCore
import Testing

// MARK: Fixtures

struct SetArguments: Codable, Equatable {
    var key: String
    var value: String
    var n: Int
}

struct SetResult: Codable, Equatable {
    var saved: Bool
    var key: String
}

struct Item: Codable, Equatable {
    var id: Int
    var label: String?
}

struct Order: Codable, Equatable {
    var name: String
    var items: [Item]
    var tags: [String: Int]
    var note: String?
    var ratio: Double
    var small: UInt8
    var extra: JSON
}

/// Encodes with a nested container written to after a later sibling: not
/// possible in one pass, so the encoder must start over with a tree.
struct Interleaved: Encodable {
    enum Keys: String, CodingKey { case first, second, inner }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        var nested = container.nestedContainer(keyedBy: Keys.self, forKey: .first)
        try container.encode(2, forKey: .second)
        try nested.encode("late", forKey: .inner)
    }
}

/// Encodes one key twice: the last value wins, at the first position.
struct TwiceEncoded: Encodable {
    enum Keys: String, CodingKey { case a, b }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(1, forKey: .a)
        try container.encode(2, forKey: .b)
        try container.encode(3, forKey: .a)
    }
}

class Animal: Codable {
    var legs: Int
    init(legs: Int) { self.legs = legs }
}

final class Cat: Animal {
    var name: String
    enum Keys: String, CodingKey { case name }

    init(name: String) {
        self.name = name
        super.init(legs: 4)
    }

    required init(from decoder: any Decoder) throws {
        name = try decoder.container(keyedBy: Keys.self).decode(String.self, forKey: .name)
        try super.init(from: decoder)
    }

    override func encode(to encoder: any Encoder) throws {
        try super.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(name, forKey: .name)
    }
}

struct WithSuper: Encodable {
    enum Keys: String, CodingKey { case own }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(true, forKey: .own)
        try Animal(legs: 2).encode(to: container.superEncoder())
    }
}

@Suite("JSON coding")
struct JSONCodingTests {
    let decoder = NekoJSONDecoder()
    let encoder = NekoJSONEncoder()

    func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    /// The argument error that decoding `document` as `T` throws.
    func argumentError<T: Decodable>(_ type: T.Type, _ document: String) -> ArgumentError? {
        do {
            _ = try decoder.decodeArguments(type, from: Array(document.utf8))
            return nil
        } catch {
            return error
        }
    }

    // MARK: Round trips

    @Test func decodesAndEncodesTheEntryCallShapes() throws {
        let arguments = try decoder.decode(SetArguments.self, from: Array(#"{"key":"a","value":"b","n":3}"#.utf8))
        #expect(arguments == SetArguments(key: "a", value: "b", n: 3))
        #expect(text(try encoder.encode(SetResult(saved: true, key: "a"))) == #"{"saved":true,"key":"a"}"#)
    }

    @Test func roundTripsANestedValue() throws {
        let order = Order(
            name: "ünïcode \"quoted\"", items: [Item(id: 1, label: "one"), Item(id: 2, label: nil)], tags: ["x": 1],
            note: nil, ratio: 0.1, small: 255, extra: ["any": [1, "thing", nil]])
        let bytes = try encoder.encode(order)
        #expect(try decoder.decode(Order.self, from: bytes) == order)
        // Optional nils are left out, and members come in declaration order.
        #expect(text(bytes) == #"{"name":"ünïcode \"quoted\"","items":[{"id":1,"label":"one"},{"id":2}],"tags":{"x":1},"ratio":0.1,"small":255,"extra":{"any":[1,"thing",null]}}"#)
        #expect(try encoder.encodeJSON(order) == JSON.parse(bytes))
    }

    @Test func agreesWithFoundation() throws {
        let order = Order(
            name: "n", items: [Item(id: -7, label: "l")], tags: ["a": 1, "b": 2], note: "note", ratio: 1e-7, small: 0,
            extra: [1.5, true])
        let ours = try JSON.parse(try encoder.encode(order))
        let theirs = try JSON.parse(Array(try JSONEncoder().encode(order)))
        #expect(ours == theirs)
        #expect(try JSONDecoder().decode(Order.self, from: Data(try encoder.encode(order))) == order)
        #expect(try decoder.decode(Order.self, from: Array(try JSONEncoder().encode(order))) == order)
    }

    @Test func passesJSONPropertiesThrough() throws {
        struct Envelope: Codable, Equatable {
            var payload: JSON
            var more: [JSON]
            var maybe: JSON?
        }
        let document = #"{"payload":{"b":[1,2.5,"x"],"a":null},"more":[{},[]],"maybe":{"k":-0.0}}"#
        let envelope = try decoder.decode(Envelope.self, from: Array(document.utf8))
        #expect(envelope.payload == ["b": [1, 2.5, "x"], "a": nil])
        #expect(envelope.more == [[:], []])
        #expect(text(try encoder.encode(envelope)) == document)
        #expect(try decoder.decode(JSON.self, from: Array(document.utf8)) == JSON.parse(document))
        // The same through Foundation's coders, which take the generic paths.
        let viaFoundation = try JSONDecoder().decode(Envelope.self, from: Data(document.utf8))
        #expect(viaFoundation == envelope)
        #expect(try JSON.parse(Array(try JSONEncoder().encode(envelope))) == JSON.parse(document))
    }

    @Test func decodesTopLevelValuesOfEveryShape() throws {
        #expect(try decoder.decode([Int].self, from: Array("[1,2,3]".utf8)) == [1, 2, 3])
        #expect(try decoder.decode(String.self, from: Array(#""s""#.utf8)) == "s")
        #expect(try decoder.decode(Int?.self, from: Array("null".utf8)) == nil)
        #expect(try decoder.decode([String: [Double]].self, from: Array(#"{"a":[1,2.5]}"#.utf8)) == ["a": [1, 2.5]])
        #expect(text(try encoder.encode([1, 2, 3])) == "[1,2,3]")
        #expect(text(try encoder.encode("top")) == #""top""#)
        #expect(text(try encoder.encode(Optional<Int>.none)) == "null")
    }

    @Test func convertsNumbersCarefully() throws {
        #expect(try decoder.decode(Item.self, from: Array(#"{"id":3.0}"#.utf8)).id == 3)
        #expect(try decoder.decode([UInt64].self, from: Array("[18446744073709549568]".utf8)) == [18_446_744_073_709_549_568])
        #expect(try decoder.decode([Float].self, from: Array("[0.1, 3]".utf8)) == [0.1, 3])
        #expect(text(try encoder.encode([Float(0.1), 1.5])) == "[0.1,1.5]")
        #expect(text(try encoder.encode([Int64.min, Int64.max])) == "[-9223372036854775808,9223372036854775807]")
        #expect(text(try encoder.encode([Int8(-128), Int8(127)])) == "[-128,127]")
    }

    // MARK: Encoding edge cases

    @Test func startsOverWithATreeWhenOnePassCannotWork() throws {
        #expect(text(try encoder.encode(Interleaved())) == #"{"first":{"inner":"late"},"second":2}"#)
        #expect(text(try encoder.encode(TwiceEncoded())) == #"{"a":3,"b":2}"#)
        #expect(text(try encoder.encode(WithSuper())) == #"{"own":true,"super":{"legs":2}}"#)
        #expect(try encoder.encodeJSON(Interleaved()) == ["first": ["inner": "late"], "second": 2])
    }

    @Test func mergesSubclassAndSuperclassMembers() throws {
        let bytes = try encoder.encode(Cat(name: "Tom"))
        #expect(text(bytes) == #"{"legs":4,"name":"Tom"}"#)
        let cat = try decoder.decode(Cat.self, from: bytes)
        #expect(cat.name == "Tom" && cat.legs == 4)
    }

    @Test func checksDuplicateKeysOfLargeObjects() throws {
        let dictionary = Dictionary(uniqueKeysWithValues: (0..<100).map { ("key\($0)", $0) })
        let bytes = try encoder.encode(dictionary)
        #expect(try decoder.decode([String: Int].self, from: bytes) == dictionary)
    }

    @Test func refusesWhatJSONCannotExpress() {
        #expect(throws: EncodingError.self) { try encoder.encode(["x": Double.nan]) }
        #expect(throws: EncodingError.self) { try encoder.encode([Float.infinity]) }
        #expect(throws: EncodingError.self) { try encoder.encode([UInt64.max]) }
        #expect(throws: EncodingError.self) { try encoder.encode(JSON.double(.nan)) }
        do {
            _ = try encoder.encode(Order(
                name: "", items: [], tags: [:], note: nil, ratio: .infinity, small: 0, extra: nil))
            Issue.record("infinity should not encode")
        } catch let EncodingError.invalidValue(_, context) {
            #expect(context.codingPath.map(\.stringValue) == ["ratio"])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func refusesATopLevelValueThatEncodesNothing() {
        struct Nothing: Encodable {
            func encode(to encoder: any Encoder) throws {}
        }
        #expect(throws: EncodingError.self) { try encoder.encode(Nothing()) }
        #expect(throws: Never.self) { try encoder.encode([Nothing()]) }
        #expect(text((try? encoder.encode([Nothing()])) ?? []) == "[{}]")
    }

    // MARK: Decoding errors

    @Test func namesTheMissingField() {
        let error = argumentError(SetArguments.self, #"{"key":"a","n":1}"#)
        #expect(error == ArgumentError(field: "value", message: "missing required argument 'value'"))
        let nested = argumentError(Order.self, #"{"name":"x","items":[{"id":1},{"label":"no id"}],"tags":{},"ratio":1,"small":1,"extra":0}"#)
        #expect(nested?.message == "missing required argument 'items[1].id'")
    }

    @Test func namesTheMistypedField() {
        let document = #"{"name":"x","items":[{"id":1},{"id":2},{"id":"three"}],"tags":{},"ratio":1,"small":1,"extra":0}"#
        let error = argumentError(Order.self, document)
        #expect(error?.field == "items[2].id")
        #expect(error?.message == #"argument 'items[2].id' must be an integer, got "three""#)
    }

    @Test func explainsEachKindOfMismatch() {
        let cases: [(String, String)] = [
            (#"{"key":"a","value":"b","n":"x"}"#, #"argument 'n' must be an integer, got "x""#),
            (#"{"key":"a","value":"b","n":3.5}"#, "argument 'n' must be an integer, got 3.5"),
            (#"{"key":"a","value":"b","n":null}"#, "argument 'n' must be an integer, got null"),
            (#"{"key":"a","value":"b","n":[1]}"#, "argument 'n' must be an integer, got an array"),
            (#"{"key":"a","value":"b","n":1e30}"#,
             "argument 'n' must be an integer between -9223372036854775808 and 9223372036854775807, got 1e+30"),
            (#"{"key":7,"value":"b","n":1}"#, "argument 'key' must be a string, got 7"),
            (#"{"key":{"a":1},"value":"b","n":1}"#, "argument 'key' must be a string, got an object"),
            ("[1]", "arguments must be an object, got an array"),
            ("null", "arguments must be an object, got null"),
        ]
        for (document, message) in cases {
            #expect(argumentError(SetArguments.self, document)?.message == message, "\(document)")
        }
        let long = String(repeating: "y", count: 50)
        #expect(argumentError(SetArguments.self, #"{"key":"a","value":"b","n":"\#(long)"}"#)?.message
                == #"argument 'n' must be an integer, got "\#(String(repeating: "y", count: 40))…""#)
    }

    @Test func namesTheFieldOutOfRange() {
        let document = #"{"name":"x","items":[],"tags":{"t":1},"ratio":1,"small":300,"extra":0}"#
        let error = argumentError(Order.self, document)
        #expect(error == ArgumentError(field: "small", message: "argument 'small' must be an integer between 0 and 255, got 300"))
        let inDictionary = argumentError(Order.self, #"{"name":"x","items":[],"tags":{"t":true},"ratio":1,"small":1,"extra":0}"#)
        #expect(inDictionary?.message == "argument 'tags.t' must be an integer, got true")
    }

    @Test func explainsInvalidJSON() {
        let error = argumentError(SetArguments.self, #"{"key" "a"}"#)
        #expect(error == ArgumentError(
            field: nil, message: "arguments are not valid JSON: expected ':' after an object key at line 1, column 8"))
    }

    @Test func explainsCustomValidation() {
        struct Positive: Decodable {
            var n: Int
            enum CodingKeys: CodingKey { case n }
            init(from decoder: any Decoder) throws {
                let container = try decoder.container(keyedBy: CodingKeys.self)
                n = try container.decode(Int.self, forKey: .n)
                guard n > 0 else {
                    throw DecodingError.dataCorruptedError(forKey: .n, in: container, debugDescription: "must be positive")
                }
            }
        }
        #expect(argumentError(Positive.self, #"{"n":-1}"#)?.message == "argument 'n' is invalid: must be positive")
        struct Custom: Error, CustomStringConvertible { var description: String { "custom failure" } }
        #expect(ArgumentError(Custom() as any Error).message == "arguments are invalid: custom failure")
    }

    @Test func reportsPathsInDecodingErrors() {
        do {
            _ = try decoder.decode(Order.self, from: Array(#"{"name":"x","items":[{"id":1},{"id":false}],"tags":{},"ratio":1,"small":1,"extra":0}"#.utf8))
            Issue.record("should not decode")
        } catch let DecodingError.typeMismatch(type, context) {
            #expect(ObjectIdentifier(type) == ObjectIdentifier(Int.self))
            #expect(context.codingPath.map(\.stringValue) == ["items", "Index 1", "id"])
            #expect(context.codingPath.map(\.intValue) == [nil, 1, nil])
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func mapsFoundationErrorsToo() {
        do {
            _ = try JSONDecoder().decode(Order.self, from: Data(#"{"name":"x","items":[{"id":"1"}],"tags":{},"ratio":1,"small":1,"extra":0}"#.utf8))
            Issue.record("should not decode")
        } catch let error as DecodingError {
            #expect(ArgumentError(error).message == "argument 'items[0].id' must be an integer")
        } catch {
            Issue.record("unexpected \(error)")
        }
    }
}
