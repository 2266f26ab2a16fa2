// neko-bench: the speed figures of `make bench` (a release build).
// Prints medians over rounds and, where the issue sets a goal, the goal.
// Usage: neko-bench PLUGINS_DIR [--profile | --isolation | --storage | --busy | --validation | --encoding | --calls | --loads | --sandbox]
// --profile: only loop the raw C no-op call for 5 M calls, for `perf record`.
// --isolation: only the figures of isolated plugins and their peers.
// --storage: only the key-value store figures (1 vs 4 callers).
// --busy: only the quiet-vs-busy table (one busy loop per CPU).
// --validation: only the argument-validation figures (no plugins needed).
// --encoding: only the two JSON encoders side by side (no plugins needed).
// --calls: only the no-op ABI call figures (a quick check of the hot path).
// --loads: only the loads of further Swift plugins, in fresh hosts.
// --sandbox: only isolation = "sandbox" against "process" (worker start, round trip).

import Foundation
import NekoABI
@_spi(Neko) import NekoCore
import NekoLoader

let pluginsDirectory = CommandLine.arguments.dropFirst().first ?? "plugins"
let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("neko-bench-\(getpid())").path
defer { try? FileManager.default.removeItem(atPath: scratch) }

func workspace(_ name: String, plugins: [String]) -> (root: String, options: HostOptions) {
    let root = "\(scratch)/\(name)/plugins"
    try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    for id in plugins { try! FileManager.default.copyItem(atPath: "\(pluginsDirectory)/\(id)", toPath: "\(root)/\(id)") }
    var options = HostOptions(roots: [root])
    options.cacheDirectory = "\(scratch)/\(name)/cache"
    return (root, options)
}

Report.header()
if CommandLine.arguments.contains("--busy") {
    LoadBench.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/load-bench")
    exit(0)
}
if CommandLine.arguments.contains("--storage") {
    StorageBench.report(StorageBench.run(in: "\(scratch)/kv"))
    exit(0)
}
if CommandLine.arguments.contains("--validation") {
    ValidationBench.report(ValidationBench.run())
    exit(0)
}
if CommandLine.arguments.contains("--encoding") {
    EncodingBench.report(EncodingBench.run())
    exit(0)
}
if CommandLine.arguments.contains("--isolation") {
    IsolationBench.report(IsolationBench.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/isolated"), peers: ProcessPeers.run(in: "\(scratch)/peers"))
    exit(0)
}

if CommandLine.arguments.contains("--sandbox") {
    SandboxBench.report(SandboxBench.run())
    exit(0)
}
if CommandLine.arguments.contains("--loads") {
    LoadsOnly.run(workspace("loads-only", plugins: ["hello"] + LoadsOnly.plugins).options, scratch: scratch)
    exit(0)
}
if CommandLine.arguments.contains("--calls") {
    CallsOnly.run(workspace("calls-only", plugins: ["cgreet", "hello"]).options, pluginsDirectory: pluginsDirectory)
    exit(0)
}

// MARK: - Loading (first, while no plugin is mapped yet)

let loadSpace = workspace("load", plugins: ["cgreet", "hello", "thread_safe", "configurable", "persistent"])
let loadHost = PluginHost(options: loadSpace.options)
loadHost.discover()
let cStart = ContinuousClock.now
loadHost.load("cgreet")
let cLoad = ContinuousClock.now - cStart
let swiftStart = ContinuousClock.now
loadHost.load("hello")
let firstSwiftLoad = ContinuousClock.now - swiftStart
// Further, distinct Swift plugins (the SDK-only examples), in the same host.
var distinctLoads: [Double] = []
for id in ["thread_safe", "configurable", "persistent"] {
    let start = ContinuousClock.now
    loadHost.load(id)
    distinctLoads.append(Measure.nanoseconds(ContinuousClock.now - start))
}

var furtherLoads: [Double] = []
for round in 0..<20 {
    // A fresh cache folder gives a fresh private copy, hence a real new dlopen of the image.
    var options = loadSpace.options
    options.cacheDirectory = "\(scratch)/load/cache-\(round)"
    let host = PluginHost(options: options)
    host.discover()
    host.load("cgreet")
    let start = ContinuousClock.now
    host.load("hello")
    furtherLoads.append(Measure.nanoseconds(ContinuousClock.now - start))
    host.shutdown()
}

let hundred = HundredPlugins.make(in: "\(scratch)/hundred", template: "\(pluginsDirectory)/../PluginTemplates/c/plugin.c")
let hundredStart = ContinuousClock.now
let hundredHost = PluginHost(options: hundred)
let hundredReport = hundredHost.loadAll()
let hundredTime = ContinuousClock.now - hundredStart
hundredHost.shutdown()

// MARK: - Calls

let host = PluginHost(options: workspace("calls", plugins: ["cgreet", "hello"]).options)
host.loadAll()
let cNoop = try host.entry("cgreet", "noop")
let swiftNoop = try host.entry("hello", "noop")
let greet = try host.entry("hello", "greet")
let save = try host.entry("hello", "save")
let cGreet = try host.entry("cgreet", "greet")
let sleepZero = try host.entry("hello", "sleep")
let ping = try host.entry("hello", "ping")
let pingAsync = try host.entry("hello", "ping_async")

let empty = [UInt8]()
if CommandLine.arguments.contains("--profile") {
    var total = 0
    empty.withUnsafeBytes { arguments in
        for _ in 0..<5_000_000 { total &+= cNoop.withResult(of: arguments) { (outcome: Result<UnsafeRawBufferPointer, CallError>) in (try? outcome.get())?.count ?? 0 } }
    }
    print(total)
    exit(0)
}
let small = Array(#"{"name":"Ada"}"#.utf8)
// The pluggy peer's call: save(key='a', value='b') -> {"saved": True}.
let pair = Array(#"{"key":"a","value":"b"}"#.utf8)

let direct = Measure.median { iterations in
    var sink = 0
    for index in 0..<iterations { sink &+= Baseline.direct(Measure.opaque(index)) }
    Measure.keep(sink)
}
let registerSymbol = Baseline.cFunctionPointer(pluginsDirectory: pluginsDirectory)
let pointer = Measure.median { iterations in
    var info = neko_host_info()
    for _ in 0..<iterations { Measure.keep(registerSymbol(&info)) }
}
let abiC = Measure.median { iterations in
    empty.withUnsafeBytes { arguments in
        for _ in 0..<iterations { Measure.keep(cNoop.withResult(of: arguments) { (outcome: Result<UnsafeRawBufferPointer, CallError>) in (try? outcome.get())?.count ?? -1 }) }
    }
}
let abiSwift = Measure.median { iterations in
    empty.withUnsafeBytes { arguments in
        for _ in 0..<iterations { Measure.keep(swiftNoop.withResult(of: arguments) { (outcome: Result<UnsafeRawBufferPointer, CallError>) in (try? outcome.get())?.count ?? -1 }) }
    }
}
let saveHandle = Measure.median { iterations in
    for _ in 0..<iterations { Measure.keep(try! save.callBlocking(pair).count) }
}
let greetHandle = Measure.median { iterations in
    for _ in 0..<iterations { Measure.keep(try! greet.callBlocking(small).count) }
}
let saveByName = Measure.median { iterations in
    for _ in 0..<iterations { Measure.keep(try! host.callBlocking("hello", "save", arguments: pair).count) }
}
let greetC = Measure.median { iterations in
    for _ in 0..<iterations { Measure.keep(try! cGreet.callBlocking(small).count) }
}
/// The async figures, measured off the main actor (top-level code runs on
/// it, and every await from there would hop threads twice).
nonisolated func asyncFigures() async -> (typed: Double, syncViaAsync: Double, syncPing: Double, asyncPing: Double, sleep: Double) {
    struct Pair: Codable { var key: String; var value: String }
    struct Saved: Codable { var saved: Bool }
    let typed = await Measure.medianAsync(iterations: 20_000) {
        Measure.keep(try! await host.call("hello", "save", Pair(key: "a", value: "b"), as: Saved.self).saved)
    }
    let syncViaAsync = await Measure.medianAsync(iterations: 20_000) {
        Measure.keep(try! await save.call(pair).count)
    }
    let syncPing = await Measure.medianAsync(iterations: 20_000) {
        Measure.keep(try! await ping.call(empty).count)
    }
    let asyncPing = await Measure.medianAsync(iterations: 10_000) {
        Measure.keep(try! await pingAsync.call(empty).count)
    }
    let sleep = await Measure.medianAsync(iterations: 5_000) {
        Measure.keep(try! await sleepZero.call(Array(#"{"ms":0}"#.utf8)).count)
    }
    return (typed, syncViaAsync, syncPing, asyncPing, sleep)
}
let asyncPingBlocking = Measure.median(iterations: 10_000) { iterations in
    for _ in 0..<iterations { Measure.keep(try! pingAsync.callBlocking(empty).count) }
}
let syncPingBlocking = Measure.median(iterations: 20_000) { iterations in
    for _ in 0..<iterations { Measure.keep(try! ping.callBlocking(empty).count) }
}
let figures = await asyncFigures()
let (greetTyped, syncViaAsync, syncPing, asyncPing, asyncEntry) = (figures.typed, figures.syncViaAsync, figures.syncPing, figures.asyncPing, figures.sleep)
let foundation = Baseline.foundationJSON()
host.shutdown()

// MARK: - Report

let peers = ProcessPeers.run(in: "\(scratch)/peers")
let pluggy = peers.pluggy
Report.section("Calls (in-process, one thread)")
Report.row("direct Swift function call", direct)
Report.row("raw C function-pointer call", pointer)
Report.row("ABI call, C no-op entry (raw bytes)", abiC, note: "+\(Report.time(abiC - pointer)) over the pointer call (goal: at most +20 ns)")
Report.row("ABI call, Swift no-op entry (raw bytes)", abiSwift, note: "+\(Report.time(abiSwift - pointer)) over the pointer call")
Report.row("small JSON in/out, Swift entry (hello.save)", saveHandle, note: "goal: at most 2 µs; the pluggy peer's call")
Report.row("greet: small JSON + a Mutex + a message to the host", greetHandle)
Report.row("the same call, by name (host.callBlocking)", saveByName)
Report.row("the same call, typed (async host.call, Codable both sides)", greetTyped)
Report.row("the same call, async API (EntryHandle.call)", syncViaAsync)
Report.row("small JSON in/out, C entry (EntryHandle)", greetC)
Report.row("typed sync entry, no arguments (async API)", syncPing)
Report.row("typed async entry, no arguments (async API)", asyncPing, note: "+\(Report.time(asyncPing - syncPing)) over the sync entry, both by the async API")
Report.row("typed sync entry, no arguments (blocking API)", syncPingBlocking)
Report.row("typed async entry, no arguments (blocking API)", asyncPingBlocking,
           note: "+\(Report.time(asyncPingBlocking - syncPingBlocking)) for async (goal: at most 2 µs)")
Report.row("async entry that awaits Task.sleep(0)", asyncEntry)
Report.row("for scale: Foundation JSONDecoder+JSONEncoder", foundation, note: "what the call path avoids")
if let pluggy {
    Report.row("peer: pluggy hook call, dict in/out (Python)", pluggy * 1000,
               note: String(format: "Neko's same call (hello.save) is %.2fx its time", saveHandle / (pluggy * 1000)))
} else {
    Report.note("peer: pluggy not measured (python3 with pluggy, and ../shared/peers, are needed)")
}

ValidationBench.report(ValidationBench.run())
EncodingBench.report(EncodingBench.run())

let reload = ReloadBench.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/reload")
let socket = SocketBench.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/socket")
StorageBench.report(StorageBench.run(in: "\(scratch)/kv"))

Report.section("Hot reload (thread_safe with its state, 20 reloads each)")
Report.row("host.reload: library renamed in -> first call on the new one", Measure.middle(reload.latencies), note: "median")
Report.row("watched: library renamed in -> first call on the new one", Measure.middle(reload.watched), note: "median of 20; goal: at most 100 ms")
Report.note(String(format: "resident memory per reload: %.0f KiB (old images stay mapped); generation %d at the end", reload.bytesPerReload / 1024, reload.generation))

Report.section("Through nekoctl serve's control socket (one client, one connection)")
Report.row("hello.save, request and response over the socket", socket.perCall, note: String(format: "%.0f calls/s", socket.perSecond))

IsolationBench.report(IsolationBench.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/isolated"), peers: peers)
SandboxBench.report(SandboxBench.run())

Report.section("Loading")
Report.row("C plugin (cgreet): copy + dlopen + register + start", Measure.nanoseconds(cLoad))
Report.row("first Swift plugin (hello)", Measure.nanoseconds(firstSwiftLoad), note: "goal: at most 10 ms")
Report.row("each further Swift plugin (3 distinct ones)", Measure.middle(distinctLoads), note: "median; goal: at most 2 ms")
Report.row("a new copy of a loaded Swift plugin", Measure.middle(furtherLoads), note: "median of 20: what a hot reload's new generation costs")
Report.row("discover + load 100 plugins (C)", Measure.nanoseconds(hundredTime),
           note: "\(hundredReport.loaded.count) loaded, \(Report.time(Measure.nanoseconds(hundredTime) / 100)) each")

let conformance = ConformanceTime.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/check")
Report.section("Conformance")
Report.row("nekoctl check --exercise hello (every check, in a worker)", conformance.median,
           note: "median of 3; \(conformance.passed ? "all passed" : "A CHECK FAILED"); goal: a few seconds")

LoadBench.run(pluginsDirectory: pluginsDirectory, in: "\(scratch)/load-bench")
