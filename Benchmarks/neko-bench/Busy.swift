import Foundation
@_spi(Neko) import NekoCore
import NekoLoader

/// One busy loop per CPU, as child processes (`sh -c 'while :; do :; done'`),
/// for the figures of a machine whose every CPU is busy.
struct BusyLoops {
    private let processes: [Process]

    /// Starts `count` busy loops.
    init(count: Int = ProcessInfo.processInfo.activeProcessorCount) {
        processes = (0..<count).compactMap { _ in
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "while :; do :; done"]
            return (try? process.run()) == nil ? nil : process
        }
    }

    /// Stops them and waits for them to end. SIGKILL, not SIGTERM: a child
    /// inherits the signal mask of the thread that started it, and a host
    /// that serves a control socket blocks SIGTERM to wait for it.
    func stop() {
        for process in processes {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// The same figures on a quiet machine and with one busy loop per CPU, side
/// by side: an isolated call with the adaptive spin (the default), with no
/// spin, with the fixed 50 µs spin of before; the blocking caller of an
/// in-process async entry (`answerSpin`); the socket path, in-process vs
/// isolated; the Python Pipe peer and the C ping-pong floor.
enum LoadBench {
    struct Row {
        var label: String
        var quiet: Double?
        var busy: Double?
    }

    /// One round of every figure, in µs.
    static func measure(pluginsDirectory: String, in folder: String) -> [(String, Double?)] {
        let pair = Array(#"{"key":"a","value":"b"}"#.utf8)
        var figures: [(String, Double?)] = []
        func host(_ name: String, isolated: Bool, spin: Duration, adaptive: Bool = true) -> PluginHost {
            let space = workspace("\(name)-\(UInt32.random(in: 0...UInt32.max))", plugins: ["cgreet", "hello"])
            var options = space.options
            options.isolateAll = isolated
            options.answerSpin = spin
            options.adaptiveSpin = adaptive
            let host = PluginHost(options: options)
            let report = host.loadAll()
            precondition(report.failed.isEmpty, "\(report.failed)")
            return host
        }
        func perCall(_ host: PluginHost, _ entry: String, _ arguments: [UInt8], iterations: Int) -> Double {
            let handle = try! host.entry("hello", entry)
            return Measure.median(iterations: iterations) { count in
                for _ in 0..<count { Measure.keep(try! handle.callBlocking(arguments).count) }
            } / 1000
        }
        let variants: [(String, Duration, Bool)] = [
            ("adaptive spin (default)", .microseconds(50), true), ("spin off", .zero, true), ("fixed 50 µs spin (before)", .microseconds(50), false),
        ]
        for (label, spin, adaptive) in variants {
            let isolated = host("load-isolated", isolated: true, spin: spin, adaptive: adaptive)
            figures.append(("isolated hello.save, \(label)", perCall(isolated, "save", pair, iterations: 4_000)))
            isolated.shutdown()
        }
        for (label, spin, adaptive) in variants {
            let inProcess = host("load-async", isolated: false, spin: spin, adaptive: adaptive)
            figures.append(("in-process async entry, blocking caller, \(label)", perCall(inProcess, "sleep", Array(#"{"ms":0}"#.utf8), iterations: 4_000)))
            inProcess.shutdown()
        }
        for isolated in [false, true] {
            let socket = SocketBench.run(pluginsDirectory: pluginsDirectory, in: "\(folder)/socket-\(isolated)-\(UInt32.random(in: 0...UInt32.max))", isolated: isolated, entry: "greet", iterations: 2_000)
            figures.append(("socket: hello.greet, \(isolated ? "isolated" : "in-process")", socket.perCall / 1000))
        }
        let peers = ProcessPeers.run(in: "\(folder)/peers")
        figures.append(("peer: Python process over a Pipe (JSON)", peers.pythonPipe))
        figures.append(("floor: C ping-pong, both on one CPU", peers.cPinned))
        figures.append(("floor: C ping-pong, not pinned", peers.cUnpinned))
        return figures
    }

    /// Measures quiet, then with one busy loop per CPU, and prints both.
    static func run(pluginsDirectory: String, in folder: String) {
        let quiet = measure(pluginsDirectory: pluginsDirectory, in: "\(folder)/quiet")
        let loops = BusyLoops()
        let busy = measure(pluginsDirectory: pluginsDirectory, in: "\(folder)/busy")
        loops.stop()
        Report.section("Quiet vs busy (one busy loop per CPU, \(ProcessInfo.processInfo.activeProcessorCount) loops): µs per call, medians")
        print("  " + "".padding(toLength: 62, withPad: " ", startingAt: 0) + "quiet       busy")
        for (index, (label, value)) in quiet.enumerated() {
            let other = busy[index].1
            func cell(_ value: Double?) -> String { (value.map { String(format: "%.2f", $0) } ?? "-").padding(toLength: 12, withPad: " ", startingAt: 0) }
            print("  " + label.padding(toLength: 62, withPad: " ", startingAt: 0) + cell(value) + cell(other))
        }
        func value(_ prefix: String, _ figures: [(String, Double?)]) -> Double? { figures.first { $0.0.hasPrefix(prefix) }?.1 ?? nil }
        for (name, figures) in [("quiet", quiet), ("busy", busy)] {
            if let neko = value("isolated hello.save, adaptive", figures), let python = value("peer: Python", figures) {
                Report.note(String(format: "%@: Neko isolated (default) is %.2fx the Python peer's time (goal: below 1)", name, neko / python))
            }
            if let local = value("socket: hello.greet, in-process", figures), let isolated = value("socket: hello.greet, isolated", figures) {
                Report.note(String(format: "%@: through the socket, isolated is %.2fx in-process (goal: at most 2)", name, isolated / local))
            }
        }
    }
}
