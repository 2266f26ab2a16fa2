@_spi(Neko) import NekoCore
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

@Suite("JSON Schema properties")
struct JSONSchemaPropertyTests {
    static let keywords = [
        "type", "properties", "required", "additionalProperties", "enum", "const", "minimum", "maximum",
        "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "pattern", "format", "items", "prefixItems",
        "minItems", "maxItems", "anyOf", "oneOf", "allOf", "not", "$ref", "$defs", "patternProperties", "description",
    ]

    /// A schema of random keywords, each with a fitting value most of the time
    /// and a random one otherwise.
    static func randomSchema(depth: Int, using generator: inout SeededGenerator) -> JSON {
        if depth > 3 || Int.random(in: 0..<8, using: &generator) == 0 { return .bool(Bool.random(using: &generator)) }
        var schema = JSONObject()
        for _ in 0..<Int.random(in: 0..<4, using: &generator) {
            let keyword = keywords.randomElement(using: &generator)!
            if Int.random(in: 0..<6, using: &generator) == 0 {
                schema[keyword] = JSONPropertyTests.randomValue(depth: 2, using: &generator)
                continue
            }
            func sub() -> JSON { randomSchema(depth: depth + 1, using: &generator) }
            switch keyword {
            case "type": schema[keyword] = .string(["null", "boolean", "integer", "number", "string", "array", "object"].randomElement(using: &generator)!)
            case "properties", "$defs", "patternProperties":
                schema[keyword] = .object(JSONObject((0..<Int.random(in: 0..<3, using: &generator)).map { (key: keyword == "patternProperties" ? "^k\($0)" : "k\($0)\($0)", value: sub()) }))
            case "required": schema[keyword] = ["k00", "k11"]
            case "additionalProperties", "items", "not": schema[keyword] = sub()
            case "prefixItems", "anyOf", "oneOf", "allOf": schema[keyword] = .array((0..<Int.random(in: 1..<3, using: &generator)).map { _ in sub() })
            case "enum": schema[keyword] = [0, "a", nil, ["k00": 1]]
            case "const", "description": schema[keyword] = JSONPropertyTests.randomValue(depth: 3, using: &generator)
            case "pattern": schema[keyword] = .string(["^a", "b+$", "[é€]", "\\d{2}", "(a|b)*c"].randomElement(using: &generator)!)
            case "format": schema[keyword] = .string(["date-time", "uri", "email", "uuid", "date", "time", "other"].randomElement(using: &generator)!)
            case "$ref": schema[keyword] = .string(["#", "#/$defs/k00", "#/properties/k11", "#/nowhere"].randomElement(using: &generator)!)
            default: schema[keyword] = .int(Int64.random(in: -2...5, using: &generator))
            }
        }
        return .object(schema)
    }

    /// The value at `path` (`a.b[2]`), for keys without dots or brackets.
    static func value(at path: String, in root: JSON) -> JSON? {
        var current: JSON? = root
        for part in path.split(separator: ".") {
            var text = Substring(part)
            if let bracket = text.firstIndex(of: "["), bracket != text.startIndex {
                current = current?[String(text[..<bracket])]
                text = text[bracket...]
            } else if !text.hasPrefix("[") {
                current = current?[String(text)]
                continue
            }
            while text.hasPrefix("["), let close = text.firstIndex(of: "]") {
                current = Int(text[text.index(after: text.startIndex)..<close]).flatMap { current?[$0] }
                text = text[text.index(after: close)...]
            }
        }
        return current
    }

    @Test func randomSchemasAndValuesNeverCrashTheValidator() throws {
        var generator = SeededGenerator(state: 2026)
        var compiled = 0, refused = 0, checked = 0
        for _ in 0..<1_500 {
            let schema = Self.randomSchema(depth: 0, using: &generator)
            let validator: JSONSchemaValidator
            do {
                validator = try JSONSchemaValidator(schema)
                compiled += 1
            } catch {
                #expect(!error.description.isEmpty && error.pointer.hasPrefix("#"))
                refused += 1
                continue
            }
            for _ in 0..<8 {
                let value = JSONPropertyTests.randomValue(depth: 0, using: &generator)
                let violations = validator.violations(of: value)
                #expect(validator.accepts(value) == violations.isEmpty)
                for violation in violations {
                    #expect(!violation.message.isEmpty)
                    // Every path names a place in the value (or, for a missing member, its parent).
                    guard let path = violation.path else { continue }
                    if violation.keyword == "required" {
                        let parent = path.split(separator: ".").dropLast().joined(separator: ".")
                        #expect(parent.isEmpty || Self.value(at: parent, in: value) != nil, "\(violation)")
                    } else {
                        #expect(Self.value(at: path, in: value) != nil, "\(violation) in \(value)")
                    }
                }
                checked += 1
            }
        }
        #expect(compiled > 500 && refused > 50, "compiled \(compiled), refused \(refused)")
        #expect(checked == compiled * 8)
    }
}

@Suite("Schema patterns")
struct SchemaPatternTests {
    /// The patterns of real schemas, and some corners of the syntax.
    static let patterns = [
        "^[a-z0-9_-]{1,64}$", "[0-9]{3}-[0-9]{4}", "^(\\+|-)?[0-9]+(\\.[0-9]+)?$", "^[A-Z]{2}$", "a|b", "^(ab|a)c$",
        "^a*?b", "(ab)+", "^(?:x|yz){2,3}$", "[^a-c]", "\\d\\s\\w", "\\D\\S\\W", "^.$", "a{2,}", "a{0}b", "^$", "",
        "[\\d.-]+", "[a\\-z]", "é+", "\\u00e9", "\\x41", "[\\u{1F600}-\\u{1F64F}]", "^(a|ab)(c|bcd)(d*)$", "(a*)*b", "\\.",
        "^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", "^\\+?[1-9]\\d{1,14}$", "^#?([a-f0-9]{6}|[a-f0-9]{3})$",
    ]

    @Test func agreesWithSwiftRegexOnRandomStrings() throws {
        var generator = SeededGenerator(state: 99)
        let alphabet = Array("abcdxyzABZ019.-+@ é😀\t")
        for pattern in Self.patterns {
            let validator = try JSONSchemaValidator(["pattern": .string(pattern)])
            let regex = try Regex(pattern).matchingSemantics(.unicodeScalar).asciiOnlyDigits().asciiOnlyWordCharacters()
            var texts = ["", "a", "ab", "abc", "abbcd", "555-1234", "-12.5", "user_name-42", "ada@example.com", "+33123456789", "#a0f", "ABC"]
            for _ in 0..<150 {
                texts.append(String((0..<Int.random(in: 0..<9, using: &generator)).map { _ in alphabet.randomElement(using: &generator)! }))
            }
            for text in texts {
                let expected = (try regex.firstMatch(in: text)) != nil
                #expect(validator.accepts(.string(text)) == expected, "/\(pattern)/ on \(JSON.string(text))")
            }
        }
    }

    @Test func runsPatternsOutsideTheFastSubsetWithRegex() throws {
        let cases: [(String, String, Bool)] = [
            ("^(?=.*\\d)(?=.*[a-z]).{8,}$", "password1", true), ("^(?=.*\\d)(?=.*[a-z]).{8,}$", "password", false),
            ("\\bcat\\b", "a cat sat", true), ("\\bcat\\b", "concat", false),
            ("^(a)\\1$", "aa", true), ("^(a)\\1$", "ab", false),
            ("^\\p{Lu}", "Été", true), ("^(?<year>\\d{4})$", "2026", true),
        ]
        for (pattern, text, expected) in cases {
            #expect(try JSONSchemaValidator(["pattern": .string(pattern)]).accepts(.string(text)) == expected, "/\(pattern)/ on \(text)")
        }
    }

    @Test func longInputsDoNotExhaustTheStack() throws {
        let long = String(repeating: "ab", count: 50_000)
        #expect(try JSONSchemaValidator(["pattern": "^[ab]*$"]).accepts(.string(long)))
        #expect(try JSONSchemaValidator(["pattern": "^(ab)+$"]).accepts(.string(long)))
        #expect(try !JSONSchemaValidator(["pattern": "^[ab]*c"]).accepts(.string(long)))
    }
}
