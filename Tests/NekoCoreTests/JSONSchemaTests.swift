import Foundation
@_spi(Neko) import NekoCore
import Testing

enum Mode: String, Codable, CaseIterable {
    case fast, slow
}

enum Level: Int, Codable, CaseIterable {
    case low = 1, high = 5
}

struct Address: Codable {
    var street: String
    var zip: String?
}

struct Profile: Codable {
    var name: String
    var age: Int
    var score: Double?
    var active: Bool
    var mode: Mode
    var level: Level?
    var tags: [String]
    var home: Address
    var others: [Address]?
    var counts: [String: Int]
    var byte: UInt8
    var size: UInt64
    var anything: JSON
}

struct Tree: Codable {
    var name: String
    var children: [Tree]
    var parent: Box?
    final class Box: Codable {}
}

struct Node: Codable {
    var value: Int
    var next: [Node]?
}

/// Rejects the empty placeholder string, as many validating types do.
struct NonEmpty: Codable {
    var text: String
    init(from decoder: any Decoder) throws {
        text = try decoder.singleValueContainer().decode(String.self)
        guard !text.isEmpty else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "empty"))
        }
    }
}

/// Rejects every placeholder.
struct Impossible: Codable {
    init(from decoder: any Decoder) throws {
        throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "never"))
    }
}

struct Links: Codable {
    var title: NonEmpty
    var site: URL
    var id: UUID
    var optionalBroken: Impossible?
    var after: Int
}

struct Stubborn: Codable {
    var before: String
    var broken: Impossible
    var after: Int
}

struct Empty: Codable {}

/// Tests for a key without decoding it.
struct Probing: Decodable {
    var name: String
    var isLegacy: Bool
    enum CodingKeys: String, CodingKey { case name, legacy }
    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        isLegacy = container.contains(.legacy)
    }
}

@Suite("JSON Schema")
struct JSONSchemaTests {
    // MARK: Derivation

    @Test func derivesAStructWithEveryKindOfProperty() throws {
        let schema = JSONSchema.derived(from: Profile.self, unknownKeys: .ignored)
        let expected = try JSON.parse("""
            {
              "type": "object",
              "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer"},
                "score": {"type": "number"},
                "active": {"type": "boolean"},
                "mode": {"type": "string", "enum": ["fast", "slow"]},
                "level": {"type": "integer", "enum": [1, 5]},
                "tags": {"type": "array", "items": {"type": "string"}},
                "home": {
                  "type": "object",
                  "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                  "required": ["street"]
                },
                "others": {
                  "type": "array",
                  "items": {
                    "type": "object",
                    "properties": {"street": {"type": "string"}, "zip": {"type": "string"}},
                    "required": ["street"]
                  }
                },
                "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
                "byte": {"type": "integer", "minimum": 0, "maximum": 255},
                "size": {"type": "integer", "minimum": 0},
                "anything": {}
              },
              "required": ["name", "age", "active", "mode", "tags", "home", "counts", "byte", "size", "anything"]
            }
            """)
        #expect(schema == expected)
        #expect(schema["properties"]?.objectValue?.keys.first == "name")
    }

    @Test func derivesAnEmptyObjectForAStructWithoutKeys() {
        #expect(JSONSchema.derived(from: Empty.self, unknownKeys: .ignored) == ["type": "object", "properties": [:]])
        #expect(JSONSchema.derived(from: Empty.self).description == #"{"type":"object","properties":{},"additionalProperties":false}"#)
    }

    @Test func refusesUnknownKeysOfEveryObjectItSawInFull() throws {
        let schema = JSONSchema.derived(from: Profile.self)
        #expect(schema["additionalProperties"] == false)
        #expect(schema["properties"]?["home"]?["additionalProperties"] == false)
        #expect(schema["properties"]?["others"]?["items"]?["additionalProperties"] == false)
        // A dictionary takes any key; `{}` (a JSON property) takes anything.
        #expect(schema["properties"]?["counts"] == ["type": "object", "additionalProperties": ["type": "integer"]])
        #expect(schema["properties"]?["anything"] == [:])
        // The same schema with unknown keys ignored differs only there.
        let ignored = JSONSchema.derived(from: Profile.self, unknownKeys: .ignored)
        #expect(ignored["additionalProperties"] == nil)
        #expect(ignored["properties"]?["home"]?["additionalProperties"] == nil)
    }

    @Test func leavesOpenWhatItCouldNotSeeInFull() {
        // Stubborn's decoding stops at `broken`: `after` is never seen, so its object stays open.
        #expect(JSONSchema.derived(from: Stubborn.self)["additionalProperties"] == nil)
        // A key tested with `contains` is known, though never decoded.
        let probing = JSONSchema.derived(from: Probing.self)
        #expect(probing["properties"]?["legacy"] == [:])
        #expect(probing["additionalProperties"] == false)
    }

    @Test func derivesATopLevelDictionary() {
        #expect(JSONSchema.derived(from: [String: Bool].self)
                == ["type": "object", "properties": [:], "additionalProperties": ["type": "boolean"]])
    }

    @Test func stopsAtRecursiveTypes() {
        let schema = JSONSchema.derived(from: Tree.self)
        #expect(schema["properties"]?["children"] == ["type": "array", "items": [:]])
        #expect(schema["required"] == ["name", "children"])
        let node = JSONSchema.derived(from: Node.self)
        #expect(node["properties"]?["next"] == ["type": "array", "items": [:]])
    }

    @Test func retriesPlaceholdersAndFallsBackToAnything() {
        let schema = JSONSchema.derived(from: Links.self)
        let properties = schema["properties"]?.objectValue
        #expect(properties?.keys == ["title", "site", "id", "optionalBroken", "after"])
        #expect(properties?["title"] == ["type": "string"])
        #expect(properties?["id"] == ["type": "string"])
        #expect(properties?["optionalBroken"] == [:])
        #expect(properties?["after"] == ["type": "integer"])
        #expect(schema["required"] == ["title", "site", "id", "after"])
    }

    @Test func keepsWhatItSawBeforeAPropertyThatRejectsEverything() {
        let schema = JSONSchema.derived(from: Stubborn.self)
        #expect(schema["properties"] == ["before": ["type": "string"], "broken": [:]])
    }

    @Test func describesNonObjectsAsAnEmptyObject() {
        #expect(JSONSchema.derived(from: [Int].self) == ["type": "object", "properties": [:]])
        #expect(JSONSchema.derived(from: String.self) == ["type": "object", "properties": [:]])
    }
}
