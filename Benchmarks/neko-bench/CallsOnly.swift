import Foundation
import NekoABI
@_spi(Neko) import NekoCore
import NekoLoader

/// `neko-bench --calls`: the no-op ABI call next to a plain function-pointer
/// call, and a sync entry next to an async one: a quick check of the hot
/// path after a change.
enum CallsOnly {
    static func run(_ options: HostOptions, pluginsDirectory: String) {
        let host = PluginHost(options: options)
        host.loadAll()
        defer { host.shutdown() }
        let cNoop = try! host.entry("cgreet", "noop"), swiftNoop = try! host.entry("hello", "noop")
        let registerSymbol = Baseline.cFunctionPointer(pluginsDirectory: pluginsDirectory)
        let empty = [UInt8]()
        let pointer = Measure.median { iterations in
            var info = neko_host_info()
            for _ in 0..<iterations { Measure.keep(registerSymbol(&info)) }
        }
        func noop(_ handle: EntryHandle) -> Double {
            Measure.median { iterations in
                empty.withUnsafeBytes { arguments in
                    for _ in 0..<iterations {
                        Measure.keep(handle.withResult(of: arguments) { (outcome: Result<UnsafeRawBufferPointer, CallError>) in (try? outcome.get())?.count ?? -1 })
                    }
                }
            }
        }
        // NEKO_BENCH_CALLS=N: exactly N calls of NEKO_BENCH_ENTRY (plugin.entry,
        // default cgreet.noop) with no arguments and nothing else, for `perf stat`
        // (instructions per call do not depend on the machine's load).
        let environment = ProcessInfo.processInfo.environment
        if let fixed = environment["NEKO_BENCH_CALLS"].flatMap(Int.init) {
            let name = (environment["NEKO_BENCH_ENTRY"] ?? "cgreet.noop").split(separator: ".").map(String.init)
            let handle = try! host.entry(name[0], name[1])
            var total = 0
            empty.withUnsafeBytes { arguments in
                for _ in 0..<fixed { total &+= handle.withResult(of: arguments) { (outcome: Result<UnsafeRawBufferPointer, CallError>) in (try? outcome.get())?.count ?? -1 } }
            }
            Measure.keep(total)
            return
        }
        let abiC = noop(cNoop), abiSwift = noop(swiftNoop)
        let ping = try! host.entry("hello", "ping"), pingAsync = try! host.entry("hello", "ping_async")
        let syncPing = Measure.median(iterations: 20_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! ping.callBlocking(empty).count) }
        }
        let asyncPing = Measure.median(iterations: 20_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! pingAsync.callBlocking(empty).count) }
        }
        Report.section("Calls (in-process, one thread)")
        Report.row("raw C function-pointer call", pointer)
        Report.row("ABI call, C no-op entry (raw bytes)", abiC, note: "+\(Report.time(abiC - pointer)) over the pointer call (goal: at most +20 ns)")
        Report.row("ABI call, Swift no-op entry (raw bytes)", abiSwift, note: "+\(Report.time(abiSwift - pointer)) over the pointer call")
        Report.row("typed sync entry, no arguments (blocking API)", syncPing)
        Report.row("typed async entry, no arguments (blocking API)", asyncPing,
                   note: "+\(Report.time(asyncPing - syncPing)) for async (goal: at most 2 µs)")
    }
}
