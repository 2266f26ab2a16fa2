import Foundation
import NekoLoader

/// `neko-bench --loads`: only the load of each further, distinct Swift
/// plugin, in fresh hosts (a fresh library cache each round, so each load is
/// a real new `dlopen`), for `perf record` and a quick check after a change.
/// `NEKO_BENCH_ROUNDS=N` sets the rounds (default 10).
enum LoadsOnly {
    static let plugins = ["thread_safe", "configurable", "persistent"]

    static func run(_ options: HostOptions, scratch: String) {
        let rounds = ProcessInfo.processInfo.environment["NEKO_BENCH_ROUNDS"].flatMap(Int.init) ?? 10
        var times: [String: [Double]] = [:]
        for round in 0..<rounds {
            var options = options
            options.cacheDirectory = "\(scratch)/loads-cache-\(round)"
            let host = PluginHost(options: options)
            host.discover()
            host.load("hello")  // the first Swift plugin maps what all share (the Swift runtime)
            for id in plugins {
                let start = ContinuousClock.now
                host.load(id)
                times[id, default: []].append(Measure.nanoseconds(ContinuousClock.now - start))
            }
            host.shutdown()
        }
        Report.section("Loading (fresh hosts, \(rounds) rounds, after hello)")
        for id in plugins { Report.row("further Swift plugin: \(id)", Measure.middle(times[id]!), note: "median; goal: at most 2 ms") }
    }
}
