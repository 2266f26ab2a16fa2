import Foundation
@_spi(Neko) import NekoCore

/// Host-side argument validation: what checking a call's arguments against a
/// compiled JSON Schema costs, next to parsing and decoding them (what a
/// plugin does itself).
enum ValidationBench {
    struct Pair: Codable { var key: String; var value: String }

    struct Figures {
        var saveValidate = 0.0, saveParse = 0.0, saveDecode = 0.0
        var nestedValidate = 0.0, nestedParse = 0.0
        var invalidSave = 0.0
        var patternSwift = 0.0, patternFoundation = 0.0
    }

    /// A 20-field object: 16 scalars and an address of 4 fields.
    static let nestedSchema: JSON = {
        var properties = JSONObject()
        for index in 0..<16 {
            properties["f\(index)"] = index % 2 == 0 ? ["type": "string", "maxLength": 64] : ["type": "integer", "minimum": 0]
        }
        properties["address"] = [
            "type": "object", "additionalProperties": false, "required": ["street", "city"],
            "properties": ["street": ["type": "string"], "city": ["type": "string"], "zip": ["type": "string"], "country": ["enum": ["fr", "de", "us"]]],
        ]
        return ["type": "object", "properties": .object(properties), "required": ["f0", "f1", "address"], "additionalProperties": false]
    }()

    static let nestedArguments: [UInt8] = {
        var object = JSONObject()
        for index in 0..<16 { object["f\(index)"] = index % 2 == 0 ? .string("value \(index)") : .int(Int64(index)) }
        object["address"] = ["street": "1 rue de la Paix", "city": "Paris", "zip": "75002", "country": "fr"]
        return JSON.object(object).serialized()
    }()

    static func run() -> Figures {
        var figures = Figures()
        let saveSchema = JSONSchema.derived(from: Pair.self)
        let save = try! JSONSchemaValidator(saveSchema)
        let saveBytes = Array(#"{"key":"a","value":"b"}"#.utf8)
        let saveTree = try! JSON.parse(saveBytes)
        precondition(save.violations(of: saveTree).isEmpty)
        figures.saveValidate = Measure.median(iterations: 500_000) { iterations in
            for _ in 0..<iterations { Measure.keep(save.violations(of: saveTree).count) }
        }
        figures.saveParse = Measure.median(iterations: 500_000) { iterations in
            saveBytes.withUnsafeBytes { bytes in
                for _ in 0..<iterations { Measure.keep(try! JSON.parse(bytes)) }
            }
        }
        figures.saveDecode = Measure.median(iterations: 500_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! NekoJSONDecoder().decode(Pair.self, from: saveTree)) }
        }
        let invalid: JSON = ["key": 1, "valu": "b"]
        figures.invalidSave = Measure.median(iterations: 50_000) { iterations in
            for _ in 0..<iterations { Measure.keep(ArgumentError(save.violations(of: invalid)).message) }
        }

        let nested = try! JSONSchemaValidator(nestedSchema)
        let nestedTree = try! JSON.parse(nestedArguments)
        precondition(nested.violations(of: nestedTree).isEmpty)
        figures.nestedValidate = Measure.median(iterations: 200_000) { iterations in
            for _ in 0..<iterations { Measure.keep(nested.violations(of: nestedTree).count) }
        }
        figures.nestedParse = Measure.median(iterations: 200_000) { iterations in
            nestedArguments.withUnsafeBytes { bytes in
                for _ in 0..<iterations { Measure.keep(try! JSON.parse(bytes)) }
            }
        }

        // `pattern`: the validator (SchemaRegex for this pattern) against NSRegularExpression alone.
        let pattern = "^[a-z0-9_-]{1,64}$", text = "user_name-42"
        let swiftPattern = try! JSONSchemaValidator(["pattern": .string(pattern)])
        let foundationPattern = try! NSRegularExpression(pattern: pattern)
        figures.patternSwift = Measure.median(iterations: 20_000) { iterations in
            for _ in 0..<iterations { Measure.keep(swiftPattern.accepts(.string(text))) }
        }
        figures.patternFoundation = Measure.median(iterations: 20_000) { iterations in
            for _ in 0..<iterations {
                Measure.keep(foundationPattern.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil)
            }
        }
        return figures
    }

    static func report(_ figures: Figures) {
        Report.section("Argument validation (a compiled JSON Schema, per call)")
        Report.row("save-sized object: validate", figures.saveValidate,
                   note: String(format: "%.2fx parsing it (%@), %.2fx decoding it (%@)", figures.saveValidate / figures.saveParse,
                                Report.time(figures.saveParse), figures.saveValidate / figures.saveDecode, Report.time(figures.saveDecode)))
        Report.row("save-sized object: host-side check (parse + validate)", figures.saveParse + figures.saveValidate,
                   note: String(format: "the plugin checking itself (parse + decode): %@ (%.2fx)",
                                Report.time(figures.saveParse + figures.saveDecode),
                                (figures.saveParse + figures.saveValidate) / (figures.saveParse + figures.saveDecode)))
        Report.row("nested 20-field object: validate", figures.nestedValidate,
                   note: String(format: "%.2fx parsing it (%@)", figures.nestedValidate / figures.nestedParse, Report.time(figures.nestedParse)))
        Report.row("invalid save object: every violation and the message", figures.invalidSave, note: "the error path")
        Report.row("pattern ^[a-z0-9_-]{1,64}$ through the validator", figures.patternSwift,
                   note: String(format: "NSRegularExpression alone: %@ (%.2fx)", Report.time(figures.patternFoundation), figures.patternFoundation / figures.patternSwift))
    }
}
