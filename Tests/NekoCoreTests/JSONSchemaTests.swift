import Foundation
import NekoCore
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

@Suite("JSON Schema")
struct JSONSchemaTests {
    // MARK: Derivation

    @Test func derivesAStructWithEveryKindOfProperty() throws {
        let schema = JSONSchema.derived(from: Profile.self)
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
        #expect(JSONSchema.derived(from: Empty.self) == ["type": "object", "properties": [:]])
        #expect(JSONSchema.derived(from: Empty.self).description == #"{"type":"object","properties":{}}"#)
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

    // MARK: Validation

    /// The message of the first violation, or `nil`.
    func violation(_ value: JSON, _ schema: JSON) -> String? {
        JSONSchema.validate(value, against: schema)?.message
    }

    @Test func acceptsValidArguments() throws {
        let schema = JSONSchema.derived(from: Profile.self)
        let value = try JSON.parse("""
            {"name": "n", "age": 3.0, "active": true, "mode": "slow", "level": 5, "tags": [], "home": {"street": "s"},
             "counts": {"a": 1}, "byte": 255, "size": 0, "anything": [null], "unknown": "allowed"}
            """)
        #expect(JSONSchema.validate(value, against: schema) == nil)
    }

    @Test func reportsTypeViolationsWithThePath() throws {
        let schema: JSON = [
            "type": "object",
            "properties": [
                "items": ["type": "array", "items": ["type": "object", "properties": ["id": ["type": "integer"]]]],
                "note": ["type": ["string", "null"]],
            ],
        ]
        let value = try JSON.parse(#"{"items": [{"id": 1}, {"id": 2.0}, {"id": "x"}], "note": null}"#)
        let error = JSONSchema.validate(value, against: schema)
        #expect(error == ArgumentError(field: "items[2].id", message: #"argument 'items[2].id' must be an integer, got "x""#))
        #expect(violation(["items": [["id": 2.5]]], schema) == "argument 'items[0].id' must be an integer, got 2.5")
        #expect(violation(["note": 3], schema) == "argument 'note' must be a string or null, got 3")
        #expect(violation([1], schema) == "arguments must be an object, got an array")
    }

    @Test func reportsMissingAndUnexpectedArguments() {
        let schema: JSON = [
            "type": "object",
            "properties": ["name": ["type": "string"], "inner": ["type": "object", "required": ["id"]]],
            "required": ["name"],
            "additionalProperties": false,
        ]
        #expect(violation([:], schema) == "missing required argument 'name'")
        #expect(JSONSchema.validate([:], against: schema)?.field == "name")
        #expect(violation(["name": "n", "colour": "red"], schema) == "unexpected argument 'colour'")
        #expect(violation(["name": "n", "inner": [:]], schema) == "missing required argument 'inner.id'")
        let typedExtras: JSON = ["type": "object", "additionalProperties": ["type": "number"]]
        #expect(violation(["a": 1, "b": "two"], typedExtras) == #"argument 'b' must be a number, got "two""#)
    }

    @Test func reportsEnumAndConstViolations() {
        let schema: JSON = ["properties": ["mode": ["enum": ["fast", "slow"]], "version": ["const": 2]]]
        #expect(violation(["mode": "medium"], schema) == #"argument 'mode' must be one of "fast", "slow", got "medium""#)
        #expect(violation(["version": 3], schema) == "argument 'version' must be 2, got 3")
        #expect(violation(["version": 2.0, "mode": "fast"], schema) == nil)
    }

    @Test func reportsBoundViolations() {
        let schema: JSON = [
            "properties": [
                "n": ["type": "integer", "minimum": 1, "maximum": 10],
                "x": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5],
                "s": ["type": "string", "minLength": 2, "maxLength": 3],
                "list": ["type": "array", "minItems": 1, "maxItems": 2],
            ],
        ]
        let cases: [(JSON, String?)] = [
            (["n": 0], "argument 'n' must be at least 1, got 0"),
            (["n": 11], "argument 'n' must be at most 10, got 11"),
            (["n": 10], nil),
            (["x": 0], "argument 'x' must be greater than 0, got 0"),
            (["x": 1.5], "argument 'x' must be less than 1.5, got 1.5"),
            (["x": 1.25], nil),
            (["s": "é"], "argument 's' must have at least 2 characters, got 1"),
            (["s": "abcd"], "argument 's' must have at most 3 characters, got 4"),
            (["s": "😀😀"], nil),
            (["list": []], "argument 'list' must have at least 1 item, got 0"),
            (["list": [1, 2, 3]], "argument 'list' must have at most 2 items, got 3"),
        ]
        for (value, message) in cases {
            #expect(violation(value, schema) == message, "\(value)")
        }
    }

    @Test func honoursBooleanSchemas() {
        #expect(violation(["a": 1], ["properties": ["a": false]]) == "argument 'a' is not allowed")
        #expect(violation(["a": 1], ["properties": ["a": true]]) == nil)
        #expect(violation("anything", [:]) == nil)
    }
}
