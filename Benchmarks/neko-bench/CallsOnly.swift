import Foundation
import NekoABI
import NekoCore
import NekoLoader

/// `neko-bench --calls`: the no-op ABI call next to a plain function-pointer
/// call, and nothing else: a quick check of the hot path after a change.
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
        // NEKO_BENCH_CALLS=N: exactly N C no-op calls and nothing else, for
        // `perf stat` (instructions per call do not depend on the machine's load).
        if let fixed = ProcessInfo.processInfo.environment["NEKO_BENCH_CALLS"].flatMap(Int.init) {
            var total = 0
            empty.withUnsafeBytes { arguments in
                for _ in 0..<fixed { total &+= cNoop.withResult(of: arguments) { (outcome: Result<UnsafeRawBufferPointer, CallError>) in (try? outcome.get())?.count ?? -1 } }
            }
            Measure.keep(total)
            return
        }
        let abiC = noop(cNoop), abiSwift = noop(swiftNoop)
        Report.section("Calls (in-process, one thread)")
        Report.row("raw C function-pointer call", pointer)
        Report.row("ABI call, C no-op entry (raw bytes)", abiC, note: "+\(Report.time(abiC - pointer)) over the pointer call (goal: at most +20 ns)")
        Report.row("ABI call, Swift no-op entry (raw bytes)", abiSwift, note: "+\(Report.time(abiSwift - pointer)) over the pointer call")
    }
}
