@_spi(Neko) import NekoCore
import Testing

@Suite("JSON Schema validation")
struct JSONSchemaValidatorTests {
    /// The messages of every violation of `value`.
    func messages(_ value: JSON, _ schema: JSON) throws -> [String] {
        try JSONSchemaValidator(schema).violations(of: value).map(\.message)
    }

    /// The one message for `value`, or `nil` when it is valid.
    func message(_ value: JSON, _ schema: JSON) throws -> String? {
        let found = try messages(value, schema)
        #expect(found.count <= 1, "\(found)")
        return found.first
    }

    /// The schema error of `schema`, if it does not compile.
    func compileError(_ schema: JSON) -> JSONSchemaError? {
        do {
            _ = try JSONSchemaValidator(schema)
            return nil
        } catch {
            return error
        }
    }

    // MARK: type

    @Test func messagesCallAFieldWhatTheCallerSays() throws {
        let schema: JSON = [
            "type": "object", "properties": ["timeout": ["type": "integer", "minimum": 1], "tags": ["type": "array", "maxItems": 1]],
            "required": ["timeout"], "additionalProperties": false,
        ]
        let violations = try JSONSchemaValidator(schema).violations(of: ["timout": 5, "tags": [1, 2]], naming: "key")
        #expect(violations.map(\.message) == [
            "missing required key 'timeout'", "unexpected key 'timout' (did you mean 'timeout'?)", "key 'tags' must have at most 1 item, got 2",
        ])
        #expect(violations[1].expected == "no such key")
        #expect(try JSONSchemaValidator(schema).violations(of: ["timeout": 0]).map(\.message) == ["argument 'timeout' must be an integer >= 1, got 0"])
    }

    @Test func checksEveryTypeName() throws {
        let cases: [(String, JSON, JSON)] = [
            ("null", nil, 0), ("boolean", true, "true"), ("integer", 3, 3.5), ("number", 3.5, "3"),
            ("string", "s", 1), ("array", [1], ["a": 1]), ("object", ["a": 1], [1]),
        ]
        for (name, valid, invalid) in cases {
            let schema: JSON = ["type": .string(name)]
            #expect(try message(valid, schema) == nil, "\(name)")
            #expect(try message(invalid, schema) != nil, "\(name)")
        }
        #expect(try message("x", ["type": "integer"]) == #"arguments must be an integer, got "x""#)
        #expect(try message(true, ["type": "object"]) == "arguments must be an object, got true")
    }

    @Test func tellsIntegersFromNumbers() throws {
        #expect(try message(3.0, ["type": "integer"]) == nil)  // integral: an integer
        #expect(try message(3.5, ["type": "integer"]) == "arguments must be an integer, got 3.5")
        #expect(try message(3, ["type": "number"]) == nil)  // every integer is a number
        #expect(try message(1e300, ["type": "integer"]) == nil)
        #expect(try message(nil, ["type": ["integer", "number"]]) == "arguments must be a number, got null")
    }

    @Test func acceptsAnyTypeOfAList() throws {
        let schema: JSON = ["type": ["string", "null"]]
        #expect(try message("a", schema) == nil)
        #expect(try message(nil, schema) == nil)
        #expect(try message(3, schema) == "arguments must be a string or null, got 3")
    }

    // MARK: Objects

    @Test func checksPropertiesRequiredAndAdditionalProperties() throws {
        let schema: JSON = [
            "type": "object",
            "properties": ["name": ["type": "string"], "color": ["type": "string"], "inner": ["type": "object", "required": ["id"]]],
            "required": ["name"],
            "additionalProperties": false,
        ]
        #expect(try message(["name": "n"], schema) == nil)
        #expect(try message([:], schema) == "missing required argument 'name'")
        #expect(try message(["name": "n", "colour": "red"], schema) == "unexpected argument 'colour' (did you mean 'color'?)")
        #expect(try message(["name": "n", "zzz": 1], schema) == "unexpected argument 'zzz'")
        #expect(try message(["name": "n", "inner": [:]], schema) == "missing required argument 'inner.id'")
        #expect(try message(["name": 1], schema) == "argument 'name' must be a string, got 1")
        let typedExtras: JSON = ["type": "object", "additionalProperties": ["type": "number"]]
        #expect(try message(["a": 1, "b": "two"], typedExtras) == #"argument 'b' must be a number, got "two""#)
        #expect(try message(["a": 1], ["additionalProperties": true]) == nil)
    }

    @Test func requiresKeysThatPropertiesDoesNotName() throws {
        let schema: JSON = ["required": ["a", "b"], "properties": ["a": ["type": "integer"]]]
        #expect(try messages([:], schema) == ["missing required argument 'a'", "missing required argument 'b'"])
        #expect(try message(["a": 1, "b": nil], schema) == nil)
    }

    @Test func findsPropertiesInAnyOrder() throws {
        let schema: JSON = [
            "properties": ["a": ["type": "integer"], "b": ["type": "integer"], "c": ["type": "integer"]],
            "required": ["a", "b", "c"], "additionalProperties": false,
        ]
        #expect(try message(["c": 3, "a": 1, "b": 2], schema) == nil)
        #expect(try message(["b": 2, "c": 3, "a": "x"], schema) == #"argument 'a' must be an integer, got "x""#)
    }

    @Test func checksPatternProperties() throws {
        let schema: JSON = [
            "properties": ["id": ["type": "integer"]],
            "patternProperties": ["^x-": ["type": "string"]],
            "additionalProperties": false,
        ]
        #expect(try message(["id": 1, "x-note": "n"], schema) == nil)
        #expect(try message(["x-note": 2], schema) == "argument 'x-note' must be a string, got 2")
        #expect(try message(["note": "n"], schema) == "unexpected argument 'note'")
    }

    // MARK: enum and const

    @Test func checksEnumAndConst() throws {
        let schema: JSON = ["properties": ["mode": ["enum": ["fast", "slow"]], "version": ["const": 2], "one": ["enum": [nil]]]]
        #expect(try message(["mode": "medium"], schema) == #"argument 'mode' must be one of "fast", "slow", got "medium""#)
        #expect(try message(["version": 3], schema) == "argument 'version' must be 2, got 3")
        #expect(try message(["one": 1], schema) == "argument 'one' must be null, got 1")
        #expect(try message(["version": 2.0, "mode": "fast", "one": nil], schema) == nil)
        #expect(try message(["a": [1, ["b": true]]], ["const": ["a": [1, ["b": true]]]]) == nil)
    }

    // MARK: Numbers

    @Test func checksNumberBounds() throws {
        let schema: JSON = [
            "properties": [
                "n": ["type": "integer", "minimum": 1, "maximum": 10],
                "x": ["type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1.5],
                "age": ["type": "integer", "minimum": 0],
                "maybe": ["type": ["integer", "null"], "maximum": 5],
            ],
        ]
        let cases: [(JSON, String?)] = [
            (["n": 0], "argument 'n' must be an integer between 1 and 10, got 0"),
            (["n": 11], "argument 'n' must be an integer between 1 and 10, got 11"),
            (["n": 10], nil),
            (["n": 1.0], nil),
            (["x": 0], "argument 'x' must be a number > 0 and < 1.5, got 0"),
            (["x": 1.5], "argument 'x' must be a number > 0 and < 1.5, got 1.5"),
            (["x": 1.25], nil),
            (["age": -3], "argument 'age' must be an integer >= 0, got -3"),
            (["age": "old"], #"argument 'age' must be an integer >= 0, got "old""#),
            (["maybe": 6], "argument 'maybe' must be an integer <= 5, got 6"),
            (["maybe": "x"], #"argument 'maybe' must be an integer <= 5 or null, got "x""#),
            (["maybe": nil], nil),
        ]
        for (value, expected) in cases {
            #expect(try message(value, schema) == expected, "\(value)")
        }
        let violation = try JSONSchemaValidator(schema).violations(of: ["age": -3]).first
        #expect(violation?.keyword == "minimum")
        #expect(violation?.expected == "an integer >= 0")
        #expect(violation?.found == "-3")
    }

    @Test func comparesLargeIntegersExactly() throws {
        let schema: JSON = ["maximum": .int(9_007_199_254_740_993)]
        #expect(try message(.int(9_007_199_254_740_993), schema) == nil)
        #expect(try message(.int(9_007_199_254_740_994), schema) != nil)
    }

    @Test func readsDraft4BooleanExclusiveBounds() throws {
        let schema: JSON = ["minimum": 0, "exclusiveMinimum": true, "maximum": 1, "exclusiveMaximum": false]
        #expect(try message(0, schema) == "arguments must be a number > 0 and <= 1, got 0")
        #expect(try message(1, schema) == nil)
    }

    // MARK: Strings

    @Test func countsLengthsInCodePoints() throws {
        let schema: JSON = ["type": "string", "minLength": 2, "maxLength": 3]
        #expect(try message("é", schema) == "arguments must be at least 2 characters long, got 1")
        #expect(try message("abcd", schema) == "arguments must be at most 3 characters long, got 4")
        #expect(try message("😀😀", schema) == nil)  // two code points (four UTF-16 units)
        #expect(try message("e\u{301}", schema) == nil)  // one character, two code points
        #expect(try message(3, ["minLength": 5]) == nil)  // not a string: not about strings
    }

    @Test func searchesPatternsAnywhereInTheString() throws {
        #expect(try message("call 555-1234 now", ["pattern": "[0-9]{3}-[0-9]{4}"]) == nil)
        #expect(try message("abc", ["pattern": "^[a-z]+$"]) == nil)
        #expect(try message("ABC", ["pattern": "^[a-z]+$"])
                == #"arguments must be a string matching the pattern ^[a-z]+$, got "ABC""#)
        // ECMA-262: \d is ASCII only, and the match goes code point by code point.
        #expect(try message("٣", ["pattern": "^\\d$"]) != nil)
        #expect(try message("e\u{301}", ["pattern": "^e"]) == nil)
        #expect(try message("😀", ["pattern": "^.$"]) == nil)
    }

    @Test func checksDateTimes() throws {
        let schema: JSON = ["format": "date-time"]
        for valid in ["2026-12-02T01:43:54Z", "2026-12-02t01:43:54.123456z", "2024-02-29T23:59:60+01:00", "1990-12-31T15:59:59-08:00"] {
            #expect(try message(.string(valid), schema) == nil, "\(valid)")
        }
        for invalid in ["2026-12-02", "2026-12-02T01:43:54", "2023-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-12-02T24:00:00Z",
                        "2026-12-02 01:43:54Z", "2026-12-02T01:43:54.Z", "2026-12-02T01:43:54+0100", "yesterday", ""] {
            #expect(try message(.string(invalid), schema) != nil, "\(invalid)")
        }
        #expect(try message("yesterday", schema)
                == #"arguments must be a date-time (RFC 3339, eg 2026-12-02T01:43:54Z), got "yesterday""#)
        #expect(try message("2026-12-02", ["format": "date"]) == nil)
        #expect(try message("2026-12-32", ["format": "date"]) != nil)
        #expect(try message("01:43:54+05:30", ["format": "time"]) == nil)
        #expect(try message("1:43:54Z", ["format": "time"]) != nil)
    }

    @Test func checksURIsEmailsAndUUIDs() throws {
        for (format, valid, invalid) in [
            ("uri", ["https://example.com/a?b=c#d", "urn:isbn:0451450523", "mailto:a@b.c", "file:///tmp/a%20b"],
             ["example.com", "/relative/path", "https://exa mple.com", "https://example.com/%zz", "1http://x", "https://é.com"]),
            ("email", ["ada@example.com", "a.b+tag@sub.example.org", "\"a b\"@example.com", "x@[127.0.0.1]"],
             ["ada", "@example.com", "ada@", "a..b@example.com", ".a@example.com", "ada@-example.com", "ada@exa_mple.com"]),
            ("uuid", ["123e4567-e89b-12d3-a456-426614174000", "00000000-0000-0000-0000-000000000000", "123E4567-E89B-12D3-A456-426614174000"],
             ["123e4567e89b12d3a456426614174000", "123e4567-e89b-12d3-a456-42661417400g", "123e4567-e89b-12d3-a456-4266141740000"]),
        ] {
            for text in valid { #expect(try message(.string(text), ["format": .string(format)]) == nil, "\(format): \(text)") }
            for text in invalid { #expect(try message(.string(text), ["format": .string(format)]) != nil, "\(format): \(text)") }
        }
        #expect(try message("anything", ["format": "hostname-of-the-future"]) == nil)  // an annotation
        #expect(try message(3, ["format": "email"]) == nil)  // not a string
    }

    // MARK: Arrays

    @Test func checksItemsAndCounts() throws {
        let schema: JSON = ["type": "array", "items": ["type": "integer"], "minItems": 1, "maxItems": 2]
        #expect(try message([1, 2], schema) == nil)
        #expect(try message([], schema) == "arguments must have at least 1 item, got 0")
        #expect(try message([1, 2, 3], schema) == "arguments must have at most 2 items, got 3")
        #expect(try message([1, "x"], schema) == #"argument '[1]' must be an integer, got "x""#)
    }

    @Test func checksTuples() throws {
        let tuple: JSON = ["prefixItems": [["type": "string"], ["type": "integer"]], "items": false]
        #expect(try message(["a", 1], tuple) == nil)
        #expect(try message([1, 1], tuple) == "argument '[0]' must be a string, got 1")
        #expect(try message(["a", 1, 2], tuple) == "argument '[2]' is not allowed")
        let draft7: JSON = ["items": [["type": "string"]]]
        #expect(try message(["a", 2, 3], draft7) == nil)
        #expect(try message([2], draft7) == "argument '[0]' must be a string, got 2")
    }

    // MARK: Applicators

    @Test func checksAnyOf() throws {
        let schema: JSON = ["anyOf": [["type": "string"], ["type": "integer", "minimum": 0]]]
        #expect(try message("a", schema) == nil)
        #expect(try message(3, schema) == nil)
        #expect(try message(-1, schema) == "arguments must be a string or an integer >= 0, got -1")
        #expect(try message(true, schema) == "arguments must be a string or an integer >= 0, got true")
        // Branches that fail deeper: the closest one is reported.
        let shapes: JSON = ["anyOf": [
            ["type": "object", "properties": ["radius": ["type": "number"]], "required": ["radius"]],
            ["type": "object", "properties": ["side": ["type": "number"], "name": ["type": "string"]], "required": ["side", "name"]],
        ]]
        #expect(try messages(["side": 1, "name": 2], shapes) == ["missing required argument 'radius'"])
    }

    @Test func checksOneOf() throws {
        let schema: JSON = ["oneOf": [["type": "integer"], ["type": "number", "maximum": 10]]]
        #expect(try message(20, schema) == nil)  // only the integer branch
        #expect(try message(2.5, schema) == nil)  // only the number branch
        #expect(try message(3, schema) == "arguments must be a value that matches exactly one schema of oneOf (it matches '#/oneOf/0' and '#/oneOf/1'), got 3")
        #expect(try message("x", schema) == #"arguments must be an integer or a number <= 10, got "x""#)
    }

    @Test func checksAllOfAndNot() throws {
        let schema: JSON = ["allOf": [["minimum": 0], ["maximum": 10]], "not": ["const": 5]]
        #expect(try message(3, schema) == nil)
        #expect(try message(11, schema) == "arguments must be a number <= 10, got 11")
        #expect(try message(5, schema) == "arguments must be a value that does not match '#/not', got 5")
        #expect(try messages(["a": -1, "b": 11], ["properties": ["a": ["allOf": [["minimum": 0]]], "b": ["allOf": [["maximum": 10]]]]]).count == 2)
    }

    // MARK: $ref

    @Test func followsReferencesWithinTheSchema() throws {
        let schema: JSON = [
            "$defs": ["id": ["type": "integer", "minimum": 1]],
            "definitions": ["name": ["type": "string"]],
            "properties": [
                "id": ["$ref": "#/$defs/id"], "name": ["$ref": "#/definitions/name"],
                "copy": ["$ref": "#/properties/name"], "odd/key": ["type": "boolean"], "alias": ["$ref": "#/properties/odd~1key"],
            ],
        ]
        #expect(try message(["id": 2, "name": "n", "copy": "c", "alias": true], schema) == nil)
        #expect(try messages(["id": 0, "name": 1, "copy": 2, "alias": 3], schema) == [
            "argument 'id' must be an integer >= 1, got 0", "argument 'name' must be a string, got 1",
            "argument 'copy' must be a string, got 2", "argument 'alias' must be a boolean, got 3",
        ])
        #expect(try message(["id": 1], ["$defs": ["a": ["$ref": "#/$defs/b"], "b": ["type": "integer"]], "properties": ["id": ["$ref": "#/$defs/a"]]]) == nil)
    }

    @Test func validatesRecursiveSchemasToAnyDepthTheParserAllows() throws {
        let tree: JSON = [
            "type": "object",
            "properties": ["name": ["type": "string"], "children": ["type": "array", "items": ["$ref": "#"]]],
            "required": ["name"],
        ]
        let validator = try JSONSchemaValidator(tree)
        var value: JSON = ["name": "leaf"]
        for depth in 0..<200 { value = ["name": .string("n\(depth)"), "children": [value]] }
        #expect(validator.violations(of: value).isEmpty)
        var broken: JSON = ["name": 1]
        for _ in 0..<3 { broken = ["name": "n", "children": [["name": "m"], broken]] }
        #expect(validator.violations(of: broken).map(\.message) == ["argument 'children[1].children[1].children[1].name' must be a string, got 1"])
        // A value built in code, deeper than any parsed one: refused, not a stack overflow.
        var deep: JSON = ["name": "x"]
        for _ in 0..<2_000 { deep = ["name": "n", "children": [deep]] }
        let violations = validator.violations(of: deep)
        #expect(violations.count == 1)
        #expect(violations.first?.message.hasSuffix("is nested too deeply to check") == true)
    }

    @Test func refusesReferenceLoopsThatNeverReadIntoTheValue() {
        let loops: [(JSON, String)] = [
            (["$ref": "#"], "#: '$ref' loops back to '#' without reading into the value (# -> #)"),
            (["$defs": ["a": ["$ref": "#/$defs/b"], "b": ["$ref": "#/$defs/a"]], "$ref": "#/$defs/a"],
             "#/$defs/b: '$ref' loops back to '#/$defs/a' without reading into the value (#/$defs/a -> #/$defs/b -> #/$defs/a)"),
            (["anyOf": [["type": "string"], ["$ref": "#"]]], "#/anyOf/1: '$ref' loops back to '#' without reading into the value (# -> #/anyOf/1 -> #)"),
            (["$defs": ["a": ["allOf": [["$ref": "#/$defs/a"]]]]], "#/$defs/a/allOf/0: '$ref' loops back to '#/$defs/a' without reading into the value (#/$defs/a -> #/$defs/a/allOf/0 -> #/$defs/a)"),
        ]
        for (schema, expected) in loops {
            #expect(compileError(schema)?.description == expected)
        }
    }

    // MARK: Bad schemas

    @Test func refusesBadSchemasNamingTheKeywordAndWhere() {
        let cases: [(JSON, String)] = [
            (["properties": ["id": ["pattern": "[a-"]]], "#/properties/id: 'pattern' is not a valid regular expression"),
            (["properties": ["n": ["minimum": "0"]]], #"#/properties/n: 'minimum' must be a number, got "0""#),
            (["items": ["$ref": "#/$defs/Item"]], ##"#/items: '$ref' points to nowhere: no "#/$defs/Item" in the schema"##),
            (["$ref": "https://example.com/schema.json"], #"#: '$ref' must point within the schema ('#', '#/$defs/name'), got "https://example.com/schema.json""#),
            (["$ref": "#item"], "#: '$ref' must be a JSON pointer"),
            (["type": "integr"], #"#: 'type' must be one of "null", "boolean", "integer", "number", "string", "array", "object", got "integr""#),
            (["type": []], "#: 'type' must be a type name or a non-empty array of type names, got an array"),
            (["required": "name"], #"#: 'required' must be an array of strings, got "name""#),
            (["required": [1]], "#: 'required' must be an array of strings, got 1"),
            (["properties": [1]], "#: 'properties' must be an object of schemas, got an array"),
            (["properties": ["a": 3]], "#/properties/a: must be a schema (an object or a Boolean), got 3"),
            (["minLength": -1], "#: 'minLength' must be a non-negative integer, got -1"),
            (["maxItems": 1.5], "#: 'maxItems' must be a non-negative integer, got 1.5"),
            (["anyOf": []], "#: 'anyOf' must be a non-empty array of schemas, got an array"),
            (["additionalProperties": "no"], #"#: 'additionalProperties' must be a Boolean or a schema, got "no""#),
            (["enum": "a"], #"#: 'enum' must be an array, got "a""#),
            (["exclusiveMinimum": true], "#: 'exclusiveMinimum' is a Boolean (draft-04) without 'minimum'"),
            (["patternProperties": ["(": true]], "#: 'patternProperties' has a key that is not a valid regular expression"),
            (["$defs": ["bad": ["format": 3]]], "#/$defs/bad: 'format' must be a string, got 3"),
            (3, "#: must be a schema (an object or a Boolean), got 3"),
        ]
        for (schema, expected) in cases {
            let error = compileError(schema)
            #expect(error?.description.hasPrefix(expected) == true, "\(schema): \(error.map(String.init(describing:)) ?? "compiled")")
        }
        #expect(compileError(["properties": ["id": ["pattern": "[a-"]]])?.keyword == "pattern")
        #expect(compileError(["properties": ["id": ["pattern": "[a-"]]])?.pointer == "#/properties/id")
    }

    @Test func ignoresAnnotationsAndUnknownKeywords() throws {
        let schema: JSON = [
            "title": "T", "description": "D", "default": 3, "examples": [1], "x-vendor": ["anything": true],
            "$schema": "https://json-schema.org/draft/2020-12/schema", "$id": "urn:x", "$comment": "c", "deprecated": true,
        ]
        #expect(try message(["whatever": [1, 2]], schema) == nil)
        #expect(try message(true, true) == nil)
        #expect(try message(true, false) == "arguments are not allowed")
    }

    // MARK: Every failure at once

    @Test func reportsEveryFailingFieldWithItsPath() throws {
        let schema: JSON = [
            "type": "object",
            "properties": [
                "name": ["type": "string"],
                "age": ["type": "integer", "minimum": 0],
                "address": ["type": "object", "properties": ["city": ["type": "string"], "zip": ["type": "string", "pattern": "^[0-9]{5}$"]],
                            "required": ["city"], "additionalProperties": false],
                "items": ["type": "array", "items": ["type": "object", "properties": ["id": ["type": "integer"]], "required": ["id"]]],
            ],
            "required": ["name", "age"],
            "additionalProperties": false,
        ]
        let value = try JSON.parse("""
            {"age": -3, "address": {"zip": "123", "street": "s"}, "items": [{"id": 1}, {}, {"id": "x"}], "colour": "red"}
            """)
        let violations = try JSONSchemaValidator(schema).violations(of: value)
        #expect(violations.map(\.path) == ["name", "age", "address.city", "address.zip", "address.street", "items[1].id", "items[2].id", "colour"])
        #expect(violations.map(\.keyword) == ["required", "minimum", "required", "pattern", "additionalProperties", "required", "type", "additionalProperties"])
        let error = ArgumentError(violations)
        #expect(error.field == "name")
        #expect(error.violations == violations)
        #expect(error.message == """
            missing required argument 'name'; argument 'age' must be an integer >= 0, got -3; \
            missing required argument 'address.city'; argument 'address.zip' must be a string matching the pattern ^[0-9]{5}$, got "123"; \
            unexpected argument 'address.street'; missing required argument 'items[1].id'; \
            argument 'items[2].id' must be an integer, got "x"; unexpected argument 'colour'
            """)
        #expect(throws: error) { try JSONSchemaValidator(schema).validate(value) }
    }

    @Test func listsTheFirstViolationsAndCountsTheRest() throws {
        let schema: JSON = ["items": ["type": "string"]]
        let value = JSON.array((0..<25).map { .int(Int64($0)) })
        let error = try #require(JSONSchema.validate(value, against: schema))
        #expect(error.violations.count == 25)
        #expect(error.field == "[0]")
        #expect(error.message.hasSuffix("argument '[9]' must be a string, got 9; and 15 more"))
    }

    @Test func keepsTheOneShotFunction() {
        #expect(JSONSchema.validate(["a": 1], against: ["properties": ["a": ["type": "integer"]]]) == nil)
        #expect(JSONSchema.validate(["a": "x"], against: ["properties": ["a": ["type": "integer"]]])?.field == "a")
        #expect(JSONSchema.validate(1, against: ["type": 3])?.message == "the schema is invalid: #: 'type' must be a type name or a non-empty array of type names, got 3")
    }

    // MARK: Derived schemas

    @Test func derivedSchemasCompileAndAgreeWithTheDecoder() throws {
        let validator = try JSONSchemaValidator(JSONSchema.derived(from: Profile.self))
        let valid = try JSON.parse("""
            {"name": "n", "age": 3.0, "active": true, "mode": "slow", "tags": [], "home": {"street": "s"},
             "counts": {"a": 1}, "byte": 255, "size": 0, "anything": [null]}
            """)
        #expect(validator.violations(of: valid).isEmpty)
        _ = try NekoJSONDecoder().decode(Profile.self, from: valid)
        var invalid = valid.objectValue!
        invalid["byte"] = 256
        invalid["mode"] = "medium"
        invalid["home"] = ["street": "s", "zpi": "z"]
        invalid["extra"] = true
        #expect(validator.violations(of: .object(invalid)).map(\.message) == [
            #"argument 'mode' must be one of "fast", "slow", got "medium""#,
            "unexpected argument 'home.zpi' (did you mean 'zip'?)",
            "argument 'byte' must be an integer between 0 and 255, got 256",
            "unexpected argument 'extra'",
        ])
    }
}
