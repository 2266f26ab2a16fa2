import Foundation
@_spi(Neko) import NekoCore
import NekoLoader

/// Plugins in worker processes: the round trip of a call, how long a worker
/// takes to answer its first call, and what it costs in memory.
enum IsolationBench {
    struct Figures {
        /// hello.save round trip, spinning 50 µs before sleeping (the default).
        var roundTrip: Double = 0
        /// The same, never spinning.
        var roundTripNoSpin: Double = 0
        /// The same, by an async entry (the main lane, no fast lane).
        var asyncRoundTrip: Double = 0
        /// Calls per second with 4 threads calling at once.
        var fourThreadsPerSecond: Double = 0
        /// Worker start (spawn) to the first call answered, Swift and C.
        var startSwift: [Double] = []
        var startC: [Double] = []
        /// The worker's resident and proportional set sizes, in KiB.
        var rssKiB: Double = 0
        var pssKiB: Double = 0
    }

    static func run(pluginsDirectory: String, in folder: String) -> Figures {
        var figures = Figures()
        let pair = Array(#"{"key":"a","value":"b"}"#.utf8)
        func host(spin: Duration) -> PluginHost {
            let space = workspace("isolated-\(spin)", plugins: ["cgreet", "hello", "crashy"])
            var options = space.options
            options.isolateAll = true
            options.answerSpin = spin
            let host = PluginHost(options: options)
            let report = host.loadAll()
            precondition(report.failed.isEmpty, "\(report.failed)")
            return host
        }

        let spinning = host(spin: .microseconds(50))
        let save = try! spinning.entry("hello", "save")
        figures.roundTrip = Measure.median(iterations: 20_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! save.callBlocking(pair).count) }
        }
        let pingAsync = try! spinning.entry("hello", "ping_async")
        figures.asyncRoundTrip = Measure.median(iterations: 5_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! pingAsync.callBlocking([]).count) }
        }
        let perThread = 5_000
        var rates: [Double] = []
        for _ in 0..<Measure.rounds {
            let start = ContinuousClock.now
            DispatchQueue.concurrentPerform(iterations: 4) { _ in
                for _ in 0..<perThread { Measure.keep(try! save.callBlocking(pair).count) }
            }
            rates.append(Double(4 * perThread) / (Measure.nanoseconds(ContinuousClock.now - start) / 1e9))
        }
        figures.fourThreadsPerSecond = Measure.middle(rates)
        if let pid = spinning.plugin("hello")?.workerPID {
            figures.rssKiB = memory(pid, field: "VmRSS:", file: "status")
            figures.pssKiB = memory(pid, field: "Pss:", file: "smaps_rollup")
        }
        spinning.shutdown()

        let sleeping = host(spin: .zero)
        let saveNoSpin = try! sleeping.entry("hello", "save")
        figures.roundTripNoSpin = Measure.median(iterations: 5_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! saveNoSpin.callBlocking(pair).count) }
        }
        // Worker start to first answer: unload ends the worker, load starts a new one.
        for (id, entry) in [("crashy", "pid"), ("cgreet", "noop")] {
            for _ in 0..<20 {
                try! sleeping.unload(id)
                let start = ContinuousClock.now
                _ = sleeping.load(id)
                Measure.keep(try! sleeping.callBlocking(id, entry, arguments: []).count)
                let elapsed = Measure.nanoseconds(ContinuousClock.now - start)
                if id == "crashy" { figures.startSwift.append(elapsed) } else { figures.startC.append(elapsed) }
            }
        }
        sleeping.shutdown()
        return figures
    }

    /// Prints the section.
    static func report(_ isolated: Figures, peers: ProcessPeers.Figures) {
        Report.section("Isolated plugins (isolation = \"process\": a worker process each)")
        Report.row("hello.save round trip to the worker (fast lane)", isolated.roundTrip, note: "spinning 50 µs before sleeping (the default)")
        Report.row("the same, never spinning (HostOptions.answerSpin = 0)", isolated.roundTripNoSpin)
        Report.row("an async entry (ping_async) round trip (main lane)", isolated.asyncRoundTrip)
        Report.note(String(format: "4 threads calling hello.save at once: %.0f calls/s", isolated.fourThreadsPerSecond))
        if let pipe = peers.pythonPipe {
            Report.row("peer: Python plugin process over a multiprocessing Pipe", pipe * 1000,
                       note: String(format: "Neko isolated is %.2fx its time", isolated.roundTrip / (pipe * 1000)))
        } else {
            Report.note("peer: the Python Pipe peer was not measured (needs python3 with pluggy, and ../shared/peers)")
        }
        if let zmq = peers.pythonZMQ {
            Report.row("peer: N.E.K.O-like ZeroMQ process call (Python)", zmq * 1000)
        } else if peers.pythonPipe != nil {
            Report.note("peer: the N.E.K.O-like ZeroMQ call was not measured (pip install pyzmq)")
        }
        if let pinned = peers.cPinned {
            Report.row("floor: C ping-pong, 64 B, both processes on one CPU", pinned * 1000,
                       note: String(format: "Neko isolated is %.2fx the floor", isolated.roundTrip / (pinned * 1000)))
        }
        if let unpinned = peers.cUnpinned { Report.row("the same C ping-pong, not pinned", unpinned * 1000) }
        Report.row("worker start -> first call answered (Swift plugin)", Measure.middle(isolated.startSwift), note: "median of 20; goal: at most 20 ms")
        Report.row("worker start -> first call answered (C plugin)", Measure.middle(isolated.startC), note: "median of 20")
        if let start = peers.pythonStart { Report.row("peer: Python worker process start + join", start * 1_000_000) }
        Report.note(String(format: "memory per isolated plugin (hello's worker): %.1f MiB resident, %.1f MiB proportional (shared libraries split)", isolated.rssKiB / 1024, isolated.pssKiB / 1024))
    }

    /// A KiB figure from /proc/<pid>/<file>.
    static func memory(_ pid: Int32, field: String, file: String) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/\(file)", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
        return Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }
}

/// The peers of ../shared/peers (Python: pluggy, a plugin process over a
/// Pipe and over ZeroMQ; C: the ping-pong floor), measured in the same run.
enum ProcessPeers {
    struct Figures {
        /// pluggy's in-process hook call, dict in and out; µs.
        var pluggy: Double?
        /// Python plugin in its own process over a multiprocessing Pipe, JSON; µs.
        var pythonPipe: Double?
        /// N.E.K.O-like: ZeroMQ PAIR sockets, JSON; µs.
        var pythonZMQ: Double?
        /// Python worker process start + join; ms.
        var pythonStart: Double?
        /// C ping-pong of 64 bytes over a socketpair, both processes on one CPU; µs.
        var cPinned: Double?
        /// The same, not pinned (each wake-up may cross CPUs); µs.
        var cUnpinned: Double?
    }

    /// Runs the peers if ../shared/peers is beside the repository.
    static func run(in folder: String) -> Figures {
        var figures = Figures()
        let peers = FileManager.default.currentDirectoryPath + "/../shared/peers"
        if let output = run("/usr/bin/env", ["python3", "\(peers)/py_peers.py", "20000"]) {
            figures.pluggy = number(after: "pluggy hook call (dict in/out):", in: output)
            figures.pythonPipe = number(after: "over a Pipe (JSON):", in: output)
            figures.pythonZMQ = number(after: "ZMQ process call (JSON):", in: output)
            figures.pythonStart = number(after: "start+join:", in: output)
        }
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let binary = "\(folder)/c_pingpong"
        if run("/usr/bin/env", ["cc", "-O2", "\(peers)/c_pingpong.c", "-o", binary]) != nil {
            figures.cPinned = run("/usr/bin/env", ["taskset", "-c", "0", binary, "20000"]).flatMap { number(after: "64 B:", in: $0) }
            figures.cUnpinned = run(binary, ["20000"]).flatMap { number(after: "64 B:", in: $0) }
        }
        return figures
    }

    private static func number(after marker: String, in text: String) -> Double? {
        guard let range = text.range(of: marker) else { return nil }
        return Double(text[range.upperBound...].trimmingCharacters(in: .whitespaces).prefix { "0123456789.".contains($0) })
    }

    /// Standard output of a program that succeeded, else nil.
    private static func run(_ executable: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: output, as: UTF8.self)
    }
}
