@_spi(Neko) import NekoCore
import Testing

@Suite("JSON values and writing")
struct JSONValueTests {
    func text(_ json: JSON) -> String {
        String(decoding: json.serialized(), as: UTF8.self)
    }

    // MARK: The value type

    @Test func buildsFromLiterals() {
        let json: JSON = ["name": "neko", "n": 3, "pi": 3.25, "ok": true, "none": nil, "list": [1, "two"]]
        #expect(json["name"]?.stringValue == "neko")
        #expect(json["n"]?.intValue == 3)
        #expect(json["pi"]?.doubleValue == 3.25)
        #expect(json["ok"]?.boolValue == true)
        #expect(json["none"]?.isNull == true)
        #expect(json["list"]?[1] == "two")
        #expect(json["list"]?[2] == nil)
        #expect(json["missing"] == nil)
        #expect(json.objectValue?.keys == ["name", "n", "pi", "ok", "none", "list"])
    }

    @Test func namesTypesAsJSONSchemaDoes() {
        let cases: [(JSON, String)] = [
            (nil, "null"), (true, "boolean"), (1, "integer"), (1.5, "number"), (.double(2), "number"),
            ("s", "string"), ([], "array"), ([:], "object"),
        ]
        for (value, name) in cases {
            #expect(value.typeName == name)
        }
    }

    @Test func convertsNumbers() {
        #expect(JSON.double(3.0).intValue == 3)
        #expect(JSON.double(3.5).intValue == nil)
        #expect(JSON.double(1e300).int64Value == nil)
        #expect(JSON.int(7).doubleValue == 7)
        #expect(JSON.string("7").intValue == nil)
    }

    @Test func comparesNumbersByValueAndObjectsRegardlessOfOrder() {
        #expect(JSON.int(3) == JSON.double(3.0))
        #expect(JSON.int(3) != JSON.double(3.5))
        #expect(JSON.int(0) == JSON.double(-0.0))
        let forward: JSON = ["a": 1, "b": [true, nil]]
        let backward: JSON = ["b": [true, nil], "a": 1.0]
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(Set([JSON.int(1), JSON.double(1), JSON.string("1")]).count == 2)
        #expect(forward != ["a": 1, "b": [true]])
        #expect(forward != ["a": 1, "c": [true, nil]])
    }

    @Test func keepsObjectKeysUnique() {
        var object: JSONObject = ["a": 1, "b": 2, "a": 3]
        #expect(object.keys == ["a", "b"])
        #expect(object["a"] == 3)
        object["b"] = "two"
        object["c"] = nil
        object["d"] = true
        #expect(object.keys == ["a", "b", "d"])
        #expect(object.removeValue(forKey: "a") == 3)
        #expect(object.keys == ["b", "d"])
        object["b"] = nil
        #expect(Array(object.map(\.key)) == ["d"])
        #expect(object.count == 1)
    }

    // MARK: Writing

    @Test func writesCompactly() {
        let json: JSON = ["s": "x", "i": -12, "d": 2.5, "t": true, "n": nil, "a": [1, [], [:]], "o": ["k": "v"]]
        #expect(text(json) == #"{"s":"x","i":-12,"d":2.5,"t":true,"n":null,"a":[1,[],{}],"o":{"k":"v"}}"#)
        #expect(json.description == text(json))
    }

    @Test func escapesOnlyWhatJSONRequires() {
        let json = JSON.string("quote \" backslash \\ slash / tab \t newline \n nul \u{0} bell \u{7} unit \u{1F} é 😀 \u{2028}")
        #expect(text(json) == #""quote \" backslash \\ slash / tab \t newline \n nul \u0000 bell \u0007 unit \u001f é 😀 \#u{2028}""#)
        #expect(text(["\u{8}\u{C}\r": 1]) == #"{"\b\f\r":1}"#)
    }

    @Test func writesDoublesSoTheyReadBack() throws {
        let cases: [(Double, String)] = [
            (3, "3.0"), (-0.0, "-0.0"), (0.1, "0.1"), (1e308, "1e+308"), (1e16, "1e+16"), (123456789, "123456789.0"),
            (.leastNonzeroMagnitude, "5e-324"), (1e-7, "1e-07"), (-2.5, "-2.5"), (0.30000000000000004, "0.30000000000000004"),
            (9_007_199_254_740_992, "9007199254740992.0"), (.greatestFiniteMagnitude, "1.7976931348623157e+308"),
        ]
        for (value, expected) in cases {
            #expect(text(.double(value)) == expected)
            guard case .double(let back) = try JSON.parse(expected) else {
                Issue.record("\(expected) should read back as a double")
                continue
            }
            #expect(back == value && back.sign == value.sign)
        }
        #expect(text(.int(.min)) == "-9223372036854775808")
        #expect(text(.int(.max)) == "9223372036854775807")
    }

    @Test func writesNonFiniteDoublesAsNull() {
        #expect(text([.double(.nan), .double(.infinity)]) == "[null,null]")
    }

    @Test func printsPrettily() {
        let json: JSON = ["name": "neko", "list": [1, 2], "empty": [], "nested": ["deep": [:]]]
        #expect(json.prettyPrinted() == """
            {
              "name": "neko",
              "list": [
                1,
                2
              ],
              "empty": [],
              "nested": {
                "deep": {}
              }
            }
            """)
        #expect(JSON.int(1).prettyPrinted() == "1")
    }

    @Test func roundTripsThroughText() throws {
        let documents = [
            #"{"a":[1,2.5,"x",null,true,false,{"b":{}}],"c":"\u0000\"\\","d":-0.0,"e":1e-07}"#,
            #"[[],[[]],{},"😀",9223372036854775807,-9223372036854775808,1.7976931348623157e+308]"#,
            #""just a string""#,
        ]
        for document in documents {
            let parsed = try JSON.parse(document)
            let written = parsed.serialized()
            #expect(String(decoding: written, as: UTF8.self) == document)
            #expect(try JSON.parse(written) == parsed)
            #expect(try JSON.parse(parsed.prettyPrinted()) == parsed)
        }
    }
}
