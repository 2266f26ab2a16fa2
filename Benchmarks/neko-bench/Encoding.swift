import Foundation
@_spi(Neko) import NekoCore

/// The two encoders of NekoCore side by side: `NekoJSONEncoder.encode`,
/// which writes bytes as the value encodes itself (JSONByteEncoding), against
/// the tree encoder (JSONTreeEncoding: `encodeJSON`, then `serialized()`),
/// which `encode` falls back to for what one pass cannot write, and
/// Foundation's `JSONEncoder` for scale. Every call's result goes through
/// `encode`, so this is what the byte encoder is worth per call.
enum EncodingBench {
    /// hello.save's result: `{"saved":true}`.
    struct Saved: Codable { var saved = true }
    /// A typical small result: a few scalars and an optional.
    struct Record: Codable {
        var key = "greeting", value = "hello from SQLite", version = 3, updated = 1_733_100_000.25, note: String? = nil
    }
    /// A larger result: 20 fields, a nested object, an array of 10 small objects.
    struct Page: Codable {
        struct Address: Codable { var street = "1 rue de la Paix", city = "Paris", zip = "75002", country = "fr" }
        struct Item: Codable { var id: Int; var name: String; var price: Double; var tags: [String] }
        var f0 = "value 0", f1 = 1, f2 = "value 2", f3 = 3, f4 = "value 4", f5 = 5, f6 = "value 6", f7 = 7
        var f8 = "value 8", f9 = 9, f10 = "value 10", f11 = 11, f12 = "value 12", f13 = 13, f14 = "value 14", f15 = 15
        var ok = true, ratio = 0.75, address = Address()
        var items = (0..<10).map { Item(id: $0, name: "item \($0)", price: Double($0) * 1.5, tags: ["a", "b"]) }
    }

    struct Row { var label: String; var bytes: Double; var tree: Double; var foundation: Double }

    static func run() -> [Row] {
        [measure("{\"saved\":true} (hello.save's result)", Saved(), iterations: 1_000_000),
         measure("5-field record", Record(), iterations: 500_000),
         measure("20 fields, a nested object, 10 array items", Page(), iterations: 50_000)]
    }

    static func measure<T: Encodable>(_ label: String, _ value: T, iterations: Int) -> Row {
        let encoder = NekoJSONEncoder(), foundation = JSONEncoder()
        precondition(try! encoder.encode(value) == encoder.encodeJSON(value).serialized(), "the two encoders disagree on \(T.self)")
        let bytes = Measure.median(iterations: iterations) { count in
            for _ in 0..<count { Measure.keep(try! encoder.encode(value)) }
        }
        let tree = Measure.median(iterations: iterations) { count in
            for _ in 0..<count { Measure.keep(try! encoder.encodeJSON(value).serialized()) }
        }
        let viaFoundation = Measure.median(iterations: iterations / 4) { count in
            for _ in 0..<count { Measure.keep(try! foundation.encode(value)) }
        }
        return Row(label: label, bytes: bytes, tree: tree, foundation: viaFoundation)
    }

    static func report(_ rows: [Row]) {
        Report.section("Encoding a result (NekoJSONEncoder.encode: bytes in one pass, vs the tree encoder, vs Foundation)")
        for row in rows {
            Report.row(row.label, row.bytes, note: String(
                format: "tree + serialize: %@ (%.2fx), Foundation's JSONEncoder: %@ (%.2fx)",
                Report.time(row.tree), row.tree / row.bytes, Report.time(row.foundation), row.foundation / row.bytes))
        }
    }
}
