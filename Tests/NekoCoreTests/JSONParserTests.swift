@_spi(Neko) import NekoCore
import Testing

@Suite("JSON parser")
struct JSONParserTests {
    // MARK: Values

    @Test func parsesEveryKindOfValue() throws {
        let json = try JSON.parse(#" { "s": "x", "i": -12, "d": 2.5, "t": true, "f": false, "n": null, "a": [1, [], {}], "o": {"k": "v"} } "#)
        #expect(json["s"] == .string("x"))
        #expect(json["i"] == .int(-12))
        #expect(json["d"] == .double(2.5))
        #expect(json["t"] == .bool(true))
        #expect(json["f"] == .bool(false))
        #expect(json["n"] == .null)
        #expect(json["a"] == .array([.int(1), .array([]), .object(JSONObject())]))
        #expect(json["o"]?["k"] == .string("v"))
        #expect(json.objectValue?.keys == ["s", "i", "d", "t", "f", "n", "a", "o"])
    }

    @Test func parsesScalarsAtTheTopLevel() throws {
        #expect(try JSON.parse("42") == .int(42))
        #expect(try JSON.parse(#""hi""#) == .string("hi"))
        #expect(try JSON.parse("null") == .null)
        #expect(try JSON.parse(" \t\r\n true \n") == .bool(true))
    }

    @Test func parsesFromBytesAndBuffers() throws {
        let bytes = Array(#"{"n":3}"#.utf8)
        #expect(try JSON.parse(bytes) == ["n": 3])
        let fromBuffer = try bytes.withUnsafeBytes { try JSON.parse($0) }
        #expect(fromBuffer == ["n": 3])
    }

    // MARK: Numbers

    @Test func keepsIntegersAndDoublesApart() throws {
        #expect(try JSON.parse("3") == .int(3))
        if case .double(let value) = try JSON.parse("3.0") {
            #expect(value == 3.0)
        } else {
            Issue.record("3.0 should parse as a double")
        }
        if case .double(let value) = try JSON.parse("1e2") {
            #expect(value == 100)
        } else {
            Issue.record("1e2 should parse as a double")
        }
    }

    @Test func parsesTheLimitsOfInt64() throws {
        #expect(try JSON.parse("9223372036854775807") == .int(.max))
        #expect(try JSON.parse("-9223372036854775808") == .int(.min))
    }

    @Test func turnsIntegersBeyondInt64IntoDoubles() throws {
        guard case .double(let above) = try JSON.parse("9223372036854775808") else {
            Issue.record("2^63 should parse as a double")
            return
        }
        #expect(above == 9_223_372_036_854_775_808.0)
        guard case .double(let below) = try JSON.parse("-9223372036854775809") else {
            Issue.record("-2^63 - 1 should parse as a double")
            return
        }
        #expect(below == -9_223_372_036_854_775_808.0)
        guard case .double(let huge) = try JSON.parse("123456789012345678901234567890") else {
            Issue.record("a 30-digit integer should parse as a double")
            return
        }
        #expect(huge == 1.2345678901234568e29)
    }

    @Test func keepsTheSignOfNegativeZero() throws {
        guard case .double(let zero) = try JSON.parse("-0") else {
            Issue.record("-0 should parse as a double")
            return
        }
        #expect(zero == 0 && zero.sign == .minus)
        guard case .double(let zeroPointZero) = try JSON.parse("-0.0") else {
            Issue.record("-0.0 should parse as a double")
            return
        }
        #expect(zeroPointZero.sign == .minus)
        #expect(try JSON.parse("0") == .int(0))
    }

    @Test func parsesDoublesExactly() throws {
        let cases: [(String, Double)] = [
            ("0.1", 0.1), ("-2.5e-3", -0.0025), ("1e308", 1e308), ("1.7976931348623157e308", .greatestFiniteMagnitude),
            ("5e-324", .leastNonzeroMagnitude), ("2.2250738585072014E-308", 2.2250738585072014e-308),
            ("0.30000000000000004", 0.30000000000000004), ("123456789.123456789", 123456789.123456789),
            ("1E+2", 100), ("1e-400", 0),
        ]
        for (text, expected) in cases {
            #expect(try JSON.parse(text).doubleValue == expected, "\(text)")
        }
    }

    // MARK: Strings

    @Test func decodesEscapes() throws {
        let json = try JSON.parse(#""\" \\ \/ \b \f \n \r \t \u0041 \u00e9 \u20AC""#)
        #expect(json == .string("\" \\ / \u{08} \u{0C} \n \r \t A é €"))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSON.parse(#""\uD83D\uDE00""#) == .string("😀"))
        #expect(try JSON.parse(#""a\ud834\udd1eb""#) == .string("a𝄞b"))
    }

    @Test func keepsRawUTF8() throws {
        #expect(try JSON.parse(#""héllo wörld ✓ 😀""#) == .string("héllo wörld ✓ 😀"))
        #expect(try JSON.parse(#"{"ключ":"значение"}"#)["ключ"] == .string("значение"))
    }

    @Test func acceptsEscapedNul() throws {
        #expect(try JSON.parse(#""a\u0000b""#) == .string("a\u{0}b"))
    }

    // MARK: Errors

    /// The description of the error that parsing `text` throws.
    func failure(_ text: String) -> JSONParseError? {
        do {
            _ = try JSON.parse(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func reportsWhatWasExpectedAndWhere() {
        let error = failure(#"{"key":"a" "value":1}"#)
        #expect(error?.description == "expected ',' or '}' after an object member at line 1, column 12")
        #expect(error?.kind == .unexpectedCharacter)
        #expect(error?.offset == 11)
        #expect(error?.line == 1)
        #expect(error?.column == 12)
    }

    @Test func countsLinesAndColumnsInScalars() {
        let error = failure("{\n  \"é\": [1,\n  2,, 3]\n}")
        #expect(error?.description == "expected a value after ',' at line 3, column 5")
        #expect(failure("\"é\" x")?.description == "expected the end of the input after the JSON value at line 1, column 5")
    }

    @Test func reportsEachSyntaxError() {
        let cases: [(String, String, JSONParseError.Kind)] = [
            ("", "unexpected end of input, expected a JSON value at line 1, column 1", .unexpectedEndOfInput),
            ("   ", "unexpected end of input, expected a JSON value at line 1, column 4", .unexpectedEndOfInput),
            ("x", "expected a JSON value at line 1, column 1", .unexpectedCharacter),
            ("{", "unexpected end of input, expected a string key or '}' at line 1, column 2", .unexpectedEndOfInput),
            ("{1:2}", "expected a string key or '}' at line 1, column 2", .unexpectedCharacter),
            (#"{"a" 1}"#, "expected ':' after an object key at line 1, column 6", .unexpectedCharacter),
            (#"{"a":}"#, "expected a value after ':' at line 1, column 6", .unexpectedCharacter),
            (#"{"a":1,}"#, "expected a string key after ',' at line 1, column 8", .unexpectedCharacter),
            (#"{"a":1"#, "unexpected end of input, expected ',' or '}' after an object member at line 1, column 7",
             .unexpectedEndOfInput),
            ("[1 2]", "expected ',' or ']' after an array element at line 1, column 4", .unexpectedCharacter),
            ("[1,]", "expected a value after ',' at line 1, column 4", .unexpectedCharacter),
            ("[", "unexpected end of input, expected a value or ']' at line 1, column 2", .unexpectedEndOfInput),
            ("tru", "unexpected end of input, expected 'true' at line 1, column 4", .unexpectedEndOfInput),
            ("nul!", "expected 'null' at line 1, column 1", .unexpectedCharacter),
            ("[True]", "expected a value or ']' at line 1, column 2", .unexpectedCharacter),
            ("1 2", "expected the end of the input after the JSON value at line 1, column 3", .trailingCharacters),
            ("{} {}", "expected the end of the input after the JSON value at line 1, column 4", .trailingCharacters),
        ]
        for (text, message, kind) in cases {
            let error = failure(text)
            #expect(error?.description == message, "\(text)")
            #expect(error?.kind == kind, "\(text)")
        }
    }

    @Test func reportsEachNumberError() {
        let cases: [(String, String)] = [
            ("01", "leading zeros are not allowed in numbers at line 1, column 1"),
            ("-012", "leading zeros are not allowed in numbers at line 1, column 1"),
            ("-", "unexpected end of input, expected a digit after '-' at line 1, column 2"),
            ("-a", "expected a digit after '-' at line 1, column 2"),
            ("1.", "unexpected end of input, expected a digit after the decimal point at line 1, column 3"),
            ("1.e5", "expected a digit after the decimal point at line 1, column 3"),
            ("1e", "unexpected end of input, expected a digit in the exponent at line 1, column 3"),
            ("1e+x", "expected a digit in the exponent at line 1, column 4"),
            ("[1e400]", "number 1e400 is out of range at line 1, column 2"),
            ("-1e999", "number -1e999 is out of range at line 1, column 1"),
            (".5", "expected a JSON value at line 1, column 1"),
            ("+1", "expected a JSON value at line 1, column 1"),
        ]
        for (text, message) in cases {
            #expect(failure(text)?.description == message, "\(text)")
        }
        #expect(failure("01")?.kind == .invalidNumber)
        #expect(failure("1e400")?.kind == .invalidNumber)
    }

    @Test func reportsEachStringError() {
        let cases: [(String, String, JSONParseError.Kind)] = [
            (#""abc"#, "unterminated string at line 1, column 1", .unexpectedEndOfInput),
            (#"["a\"]"#, "unterminated string at line 1, column 2", .unexpectedEndOfInput),
            ("\"a\nb\"", "unescaped control character U+000A in a string at line 1, column 3", .invalidString),
            ("\"a\tb\"", "unescaped control character U+0009 in a string at line 1, column 3", .invalidString),
            (#""\x""#, #"invalid escape sequence '\x' in a string at line 1, column 2"#, .invalidString),
            (#""\u12G4""#, #"invalid \u escape, expected four hexadecimal digits at line 1, column 2"#, .invalidString),
            (#""\uD83D""#, #"unpaired surrogate \uD83D in a string at line 1, column 2"#, .invalidString),
            (#""\uD83Dx""#, #"unpaired surrogate \uD83D in a string at line 1, column 2"#, .invalidString),
            (#""\uD83D\u0041""#, #"unpaired surrogate \uD83D in a string at line 1, column 2"#, .invalidString),
            (#""\uDE00""#, #"unpaired surrogate \uDE00 in a string at line 1, column 2"#, .invalidString),
        ]
        for (text, message, kind) in cases {
            let error = failure(text)
            #expect(error?.description == message, "\(text)")
            #expect(error?.kind == kind, "\(text)")
        }
    }

    @Test func rejectsInvalidUTF8() {
        let cases: [([UInt8], String)] = [
            ([0x22, 0xFF, 0x22], "invalid UTF-8 byte 0xFF in a string at line 1, column 2"),
            ([0x22, 0x61, 0xC0, 0xAF, 0x22], "invalid UTF-8 byte 0xC0 in a string at line 1, column 3"),  // overlong '/'
            ([0x22, 0xE2, 0x82, 0x22], "invalid UTF-8 sequence starting with byte 0xE2 in a string at line 1, column 2"),
            ([0x22, 0xED, 0xA0, 0x80, 0x22], "invalid UTF-8 sequence starting with byte 0xED in a string at line 1, column 2"),
            ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], "invalid UTF-8 sequence starting with byte 0xF4 in a string at line 1, column 2"),
            ([0x22, 0x80, 0x22], "invalid UTF-8 byte 0x80 in a string at line 1, column 2"),
        ]
        for (bytes, message) in cases {
            do {
                _ = try JSON.parse(bytes)
                Issue.record("\(bytes) should not parse")
            } catch {
                #expect(error.description == message)
                #expect(error.kind == .invalidUTF8)
            }
        }
    }

    @Test func rejectsDuplicateKeys() {
        let error = failure(#"{"a":1,"b":2,"a":3}"#)
        #expect(error?.description == #"duplicate key "a" in an object at line 1, column 14"#)
        #expect(error?.kind == .duplicateKey)
        // Large objects check with a set rather than a scan.
        let members = (0..<40).map { #""k\#($0)":\#($0)"# }.joined(separator: ",")
        #expect(failure("{\(members),\"k7\":0}")?.kind == .duplicateKey)
        #expect(failure("{\(members)}") == nil)
    }

    @Test func limitsNesting() throws {
        let deepest = String(repeating: "[", count: 512) + String(repeating: "]", count: 512)
        #expect(failure(deepest) == nil)
        let tooDeep = String(repeating: "[", count: 513) + String(repeating: "]", count: 513)
        let error = failure(tooDeep)
        #expect(error?.kind == .tooDeeplyNested)
        #expect(error?.description == "arrays and objects nested more than 512 deep at line 1, column 513")
        // Far too deep input fails the same way rather than overflowing the stack.
        #expect(failure(String(repeating: #"{"a":"#, count: 100_000))?.kind == .tooDeeplyNested)
        #expect(throws: JSONParseError.self) { try JSON.parse("[[[1]]]", maximumDepth: 2) }
        #expect(try JSON.parse("[[1]]", maximumDepth: 2) == [[1]])
    }
}
