import Foundation
@_spi(Neko) import NekoCore
import NekoLoader

/// `isolation = "sandbox"` against `"process"`: worker start to the first
/// call answered, and a small call's round trip. The two hosts take turns,
/// round by round, so that a change in the machine's load hits both alike.
enum SandboxBench {
    struct Figures {
        /// Worker start to first answer (hello, a Swift plugin), ns, per round.
        var startProcess: [Double] = []
        var startSandbox: [Double] = []
        /// hello.save round trip, ns, per round.
        var callProcess: [Double] = []
        var callSandbox: [Double] = []
    }

    static func run() -> Figures {
        var figures = Figures()
        let pair = Array(#"{"key":"a","value":"b"}"#.utf8)
        func host(_ isolation: String) -> PluginHost {
            let space = workspace("sandbox-bench-\(isolation)", plugins: ["hello", "cgreet"])  // hello depends on cgreet
            let manifest = "\(space.root)/hello/plugin.toml"
            let text = try! String(contentsOfFile: manifest, encoding: .utf8)
            try! text.replacingOccurrences(of: "[plugin_runtime]\n", with: "[plugin_runtime]\nisolation = \"\(isolation)\"\n")
                .write(toFile: manifest, atomically: true, encoding: .utf8)
            let host = PluginHost(options: space.options)
            let report = host.loadAll()
            precondition(report.failed.isEmpty, "\(report.failed)")
            precondition(host.plugin("hello")?.isolation.rawValue == isolation, "hello does not run with isolation = \"\(isolation)\"")
            return host
        }
        let process = host("process"), sandbox = host("sandbox")
        defer { process.shutdown(); sandbox.shutdown() }
        for _ in 0..<15 {
            for (host, isSandbox) in [(process, false), (sandbox, true)] {
                let save = try! host.entry("hello", "save")
                for _ in 0..<200 { Measure.keep(try! save.callBlocking(pair).count) }  // warm up
                let begin = ContinuousClock.now
                for _ in 0..<2_000 { Measure.keep(try! save.callBlocking(pair).count) }
                let call = Measure.nanoseconds(ContinuousClock.now - begin) / 2_000
                try! host.unload("hello")
                let start = ContinuousClock.now
                _ = host.load("hello")
                Measure.keep(try! host.callBlocking("hello", "save", arguments: pair).count)
                let elapsed = Measure.nanoseconds(ContinuousClock.now - start)
                if isSandbox {
                    figures.callSandbox.append(call)
                    figures.startSandbox.append(elapsed)
                } else {
                    figures.callProcess.append(call)
                    figures.startProcess.append(elapsed)
                }
            }
        }
        return figures
    }

    /// Prints the section.
    static func report(_ figures: Figures) {
        Report.section("Sandboxed plugins (isolation = \"sandbox\" against \"process\", rounds alternating)")
        let startAdded = Measure.middle(figures.startSandbox) - Measure.middle(figures.startProcess)
        Report.row("worker start -> first call answered, process (hello)", Measure.middle(figures.startProcess))
        Report.row("the same, sandboxed (median of 15)", Measure.middle(figures.startSandbox),
                   note: String(format: "+%.2f ms; goal: at most +5 ms", startAdded / 1e6))
        Report.row("hello.save round trip, process", Measure.middle(figures.callProcess))
        Report.row("the same, sandboxed", Measure.middle(figures.callSandbox),
                   note: String(format: "%.2fx; goal: no measurable difference", Measure.middle(figures.callSandbox) / Measure.middle(figures.callProcess)))
    }
}
