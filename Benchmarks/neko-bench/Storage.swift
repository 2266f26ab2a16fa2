import Foundation
@_spi(Neko) import NekoCore
import NekoSQLite

/// Key-value store throughput: the SDK's `context.store()` is a
/// `KeyValueStore` over the plugin's data.db with NekoCore's JSON codec.
enum StorageBench {
    struct Value: Codable { var volume: Int; var name: String; var tags: [String] }

    struct Codec: ValueCoder {
        func encode<T: Encodable>(_ value: T) throws -> [UInt8] { try NekoJSONEncoder().encode(value) }
        func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T { try NekoJSONDecoder().decode(type, from: bytes) }
    }

    /// Operations per second: set and get, with one caller and with four.
    static func run(in folder: String) -> (set1: Double, get1: Double, set4: Double, get4: Double) {
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let store = try! KeyValueStore(database: Database(path: "\(folder)/data.db"), coder: Codec())
        let value = Value(volume: 7, name: "Ada", tags: ["a", "b"])
        let count = 20_000
        func rate(_ callers: Int, _ body: @escaping @Sendable (Int) -> Void) -> Double {
            var samples: [Double] = []
            for _ in 0..<5 {
                let start = ContinuousClock.now
                DispatchQueue.concurrentPerform(iterations: callers) { caller in
                    for index in 0..<(count / callers) { body(caller * count + index) }
                }
                samples.append(Double(count) / (Measure.nanoseconds(ContinuousClock.now - start) / 1e9))
            }
            return Measure.middle(samples)
        }
        let set1 = rate(1) { try! store.set("key-\($0 % 1000)", value) }
        let get1 = rate(1) { _ = try! store.get("key-\($0 % 1000)", as: Value.self) }
        let set4 = rate(4) { try! store.set("key-\($0 % 1000)", value) }
        let get4 = rate(4) { _ = try! store.get("key-\($0 % 1000)", as: Value.self) }
        return (set1, get1, set4, get4)
    }

    /// Prints the figures, with 4 callers as a ratio of 1 (goal: at least 1).
    static func report(_ kv: (set1: Double, get1: Double, set4: Double, get4: Double)) {
        Report.section("Key-value store (SQLite WAL, JSON values; a set returns once committed)")
        Report.note(String(format: "set: %.0f/s with 1 caller, %.0f/s with 4 concurrent callers (%.2fx; goal: at least 1x)", kv.set1, kv.set4, kv.set4 / kv.set1))
        Report.note(String(format: "get: %.0f/s with 1 caller, %.0f/s with 4 concurrent callers (%.2fx; goal: at least 1x)", kv.get1, kv.get4, kv.get4 / kv.get1))
    }
}
