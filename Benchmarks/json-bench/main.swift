// A micro-benchmark of the NekoCore JSON codec against Foundation's.
//
// Not a package target: build it with the JSON sources, optimized, and run it:
//
//     swiftc -O -parse-as-library -module-name JSONBench \
//         SDK/Sources/NekoCore/JSON/*.swift Benchmarks/json-bench/main.swift -o /tmp/json-bench
//     /tmp/json-bench
//
// Each figure is the median over 5 rounds of 100,000 iterations, in nanoseconds
// per iteration.

import Foundation

struct A: Codable {
    var key: String
    var value: String
    var n: Int
}

struct R: Codable {
    var saved: Bool
    var key: String
}

@inline(never) func blackHole<T>(_ value: T) {
    withExtendedLifetime(value) {}
}

func measure(_ name: String, rounds: Int = 5, iterations: Int = 100_000, _ body: () throws -> Void) rethrows -> Double {
    var perIteration: [Double] = []
    for _ in 0..<rounds {
        let start = ContinuousClock.now
        for _ in 0..<iterations { try body() }
        let elapsed = ContinuousClock.now - start
        let nanoseconds = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
        perIteration.append(nanoseconds / Double(iterations))
    }
    let median = perIteration.sorted()[rounds / 2]
    let rounded = perIteration.map { String(format: "%.0f", $0) }.joined(separator: " ")
    print("\(name.padding(toLength: 44, withPad: " ", startingAt: 0)) median \(String(format: "%6.0f", median)) ns   (rounds: \(rounded))")
    return median
}

@main
enum JSONBench {
    static func main() throws {
        let input = Array(#"{"key":"a","value":"b","n":3}"#.utf8)
        let inputData = Data(input)
        let result = R(saved: true, key: "a")
        let decoder = NekoJSONDecoder()
        let encoder = NekoJSONEncoder()

        // Sanity: both sides agree.
        let decoded = try decoder.decode(A.self, from: input)
        precondition(decoded.key == "a" && decoded.value == "b" && decoded.n == 3)
        let encoded = String(decoding: try encoder.encode(result), as: UTF8.self)
        precondition(encoded == #"{"saved":true,"key":"a"}"#)

        print("NekoCore JSON")
        _ = try measure("parse only") { blackHole(try JSON.parse(input)) }
        _ = try measure("parse + decode A") { blackHole(try decoder.decode(A.self, from: input)) }
        _ = try measure("encode R to bytes") { blackHole(try encoder.encode(result)) }
        let neko = try measure("parse + decode A, encode R (the entry call)") {
            let arguments = try decoder.decode(A.self, from: input)
            blackHole(arguments)
            blackHole(try encoder.encode(R(saved: true, key: arguments.key)))
        }

        print("Foundation JSONDecoder / JSONEncoder")
        let foundationDecoder = JSONDecoder()
        let foundationEncoder = JSONEncoder()
        _ = try measure("decode A") { blackHole(try foundationDecoder.decode(A.self, from: inputData)) }
        _ = try measure("encode R") { blackHole(try foundationEncoder.encode(result)) }
        let foundation = try measure("decode A, encode R (the entry call)") {
            let arguments = try foundationDecoder.decode(A.self, from: inputData)
            blackHole(arguments)
            blackHole(try foundationEncoder.encode(R(saved: true, key: arguments.key)))
        }
        print(String(format: "speed-up: %.1fx", foundation / neko))
    }
}
