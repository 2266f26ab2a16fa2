import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Synchronization
import Testing

/// Crash isolation: plugins in worker processes whose crashes, hangs and
/// broken frames fail only their own calls, and which come back.
@Suite(.timeLimit(.minutes(3))) struct IsolationTests {
    let workspace: Workspace

    init() throws {
        workspace = try Workspace()
        try workspace.install("crashy")
        try workspace.install("cgreet")
    }

    /// A host with quick restarts and a short hang grace.
    func makeHost(_ configure: (inout HostOptions) -> Void = { _ in }) -> PluginHost {
        var options = workspace.options()
        options.restartPolicy.firstDelay = .milliseconds(20)
        options.restartPolicy.maximumCrashes = 50
        options.hangGrace = .milliseconds(300)
        configure(&options)
        let host = PluginHost(options: options)
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        return host
    }

    struct Identity: Decodable { var pid: Int32; var calls: Int }

    func identity(_ host: PluginHost) throws -> Identity {
        try NekoJSONDecoder().decode(Identity.self, from: host.callBlocking("crashy", "pid", arguments: []))
    }

    /// Waits until `id` has restarted `restarts` times and is loaded (the
    /// host's state changes wake the wait; 60 s only if it never comes back).
    func waitUntilBack(_ host: PluginHost, _ id: String = "crashy", restarts: Int, sourceLocation: SourceLocation = #_sourceLocation) -> PluginStatus? {
        let status = host.waitForPlugin(id, timeout: .seconds(60)) { $0.state == .loaded && $0.restarts >= restarts }
        if status == nil {
            Issue.record("\(id) never came back after restart \(restarts): \(String(describing: host.plugin(id)))", sourceLocation: sourceLocation)
        }
        return status
    }

    /// Calls cgreet (in-process) in a loop until `body` returns: it must
    /// answer, every time, while crashy crashes beside it.
    func whileAnotherPluginServes(_ host: PluginHost, _ body: () throws -> Void) rethrows {
        let stop = Atomic<Bool>(false)
        let answered = Atomic<Int>(0)
        let failures = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        DetachedThread.start {
            defer { done.signal() }
            while !stop.load(ordering: .relaxed) {
                do {
                    _ = try host.callBlocking("cgreet", "greet", arguments: Array(#"{"name":"Ada"}"#.utf8))
                    answered.wrappingAdd(1, ordering: .relaxed)
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        defer {
            stop.store(true, ordering: .relaxed)
            done.wait()
            #expect(failures.withLock { $0 } == [], "the other plugin never fails")
            #expect(answered.load(ordering: .relaxed) > 0)
        }
        try body()
    }

    #if arch(x86_64)
    static let trap = "SIGILL"
    #else
    static let trap = "SIGTRAP"
    #endif

    @Test(arguments: [("segfault", "SIGSEGV"), ("fatal", trap), ("abort", "SIGABRT"), ("hog", trap)])
    func aCrashFailsOnlyItsCallsAndThePluginComesBack(entry: String, signal: String) throws {
        let host = makeHost()
        defer { host.shutdown() }
        let before = try identity(host)
        #expect(before.pid != getpid(), "crashy runs in a process of its own")
        #expect(host.plugin("crashy")?.workerPID == before.pid)
        try whileAnotherPluginServes(host) {
            // A call in flight on the same worker fails with the crash too:
            // the nap reports progress once it runs in the worker.
            let napping = Mutex<Result<[UInt8], CallError>?>(nil)
            let napped = DispatchSemaphore(value: 0)
            let started = Happenings<CallProgress>()
            DetachedThread.start {
                defer { napped.signal() }
                let outcome = Result { () throws(CallError) in
                    try host.callBlocking("crashy", "nap", arguments: Array(#"{"ms":20000}"#.utf8), progress: { started.record($0) })
                }
                napping.withLock { $0 = outcome }
            }
            try #require(started.wait("crashy:nap to start in the worker"))
            let error = try #require(throws: CallError.self) { try host.callBlocking("crashy", entry, arguments: []) }
            #expect(error.code == .crashed)
            #expect(error.message.contains(signal), "names the signal: \(error.message)")
            napped.wait()
            guard case .failure(let napError)? = napping.withLock({ $0 }) else { Issue.record("the call in flight did not fail"); return }
            #expect(napError.code == .crashed)

            let status = try #require(waitUntilBack(host, restarts: 1))
            #expect(status.state == .loaded)
            #expect(status.lastCrash?.contains(signal) == true)
            let after = try identity(host)
            #expect(after.pid != before.pid, "a new worker")
            #expect(after.calls == 1, "a new instance")
        }
    }

    @Test func aHungSyncEntryTimesOutAndItsWorkerIsKilledAndRestarted() throws {
        let host = makeHost()
        defer { host.shutdown() }
        let before = try identity(host)
        try whileAnotherPluginServes(host) {
            // A timeout, not a hang: the suite's time limit bounds the wait.
            let error = try #require(throws: CallError.self) { try host.callBlocking("crashy", "spin", arguments: []) }
            #expect(error.code == .timeout)
            #expect(error.message.contains("crashy:spin"))
            // While the fast lane is stuck, another call still gets through (on the main lane).
            #expect(try identity(host).pid == before.pid)
            let status = try #require(waitUntilBack(host, restarts: 1))
            #expect(status.lastCrash?.contains("killed by the host") == true, "\(status.lastCrash ?? "")")
            #expect(status.lastCrash?.contains("spin") == true)
            #expect(try identity(host).pid != before.pid)
        }
    }

    @Test func afterTooManyCrashesItStaysFailedUntilReload() throws {
        let host = makeHost { $0.restartPolicy.maximumCrashes = 2 }
        defer { host.shutdown() }
        for crash in 1...3 {
            #expect(throws: CallError.self) { try host.callBlocking("crashy", "abort", arguments: []) }
            if crash < 3 { #expect(waitUntilBack(host, restarts: crash)?.state == .loaded) }
        }
        // The third crash's call has failed; the host marks the plugin failed on its own thread.
        let given = host.waitForPlugin("crashy", timeout: .seconds(60)) { if case .failed = $0.state { true } else { false } }
        guard case .failed(let failure)? = given?.state else {
            Issue.record("state: \(String(describing: host.plugin("crashy")?.state))")
            return
        }
        #expect(failure.message.contains("crashed 3 times"))
        let refused = try #require(throws: CallError.self) { try host.callBlocking("crashy", "pid", arguments: []) }
        #expect(refused.code == .unavailable)
        _ = try host.reload("crashy").get()
        #expect(try identity(host).calls == 1)
    }

    @Test func unloadEndsTheWorkerProcess() throws {
        let host = makeHost()
        defer { host.shutdown() }
        let pid = try #require(host.plugin("crashy")?.workerPID)
        #expect(kill(pid, 0) == 0)
        try host.unload("crashy")
        #expect(kill(pid, 0) == -1, "the worker is gone (and reaped)")
        #expect(host.plugin("crashy")?.workerPID == nil)
        #expect(host.plugin("crashy")?.state == .stopped)
        _ = try host.load("crashy").get()
        #expect(try identity(host).pid != pid)
    }

    @Test func shutdownEndsEveryWorker() throws {
        let host = makeHost()
        let pid = try #require(host.plugin("crashy")?.workerPID)
        host.shutdown()
        #expect(kill(pid, 0) == -1)
    }

    @Test func limitsComeFromTheManifestAndBadOnesAreRefused() throws {
        let manifest = "\(workspace.root)/crashy/plugin.toml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try text.replacingOccurrences(of: "memory_limit = 512", with: "memory_limit = 8").write(toFile: manifest, atomically: true, encoding: .utf8)
        let host = PluginHost(options: workspace.options())
        defer { host.shutdown() }
        host.loadAll()
        guard case .failed(let failure)? = host.plugins.first(where: { $0.id == "crashy" })?.state else { Issue.record("memory_limit = 8 was accepted"); return }
        #expect(failure.message.contains("[plugin_runtime].memory_limit"))
        #expect(failure.message.contains("from 64"))
    }

    @Test func anAsyncEntryThatEmitsInsideInvokeGetsItsReceipt() async throws {
        try workspace.fixture("emits_in_invoke", as: "emitter")
        let host = makeHost { $0.isolateAll = true }
        defer { host.shutdown() }
        var messages = host.messages.makeAsyncIterator()
        let result = try await host.call("emitter", "go", arguments: [])
        #expect(String(decoding: result, as: UTF8.self) == #"{"receipt":0}"#)
        let message = await messages.next()
        #expect(message == PluginMessage(plugin: "emitter", topic: "started", payload: ["from": "invoke"]))
    }

    @Test func argumentsTooLargeForAFrameAreRefusedNotACrash() throws {
        let host = makeHost()
        defer { host.shutdown() }
        let huge = Array(#"{"pad":""#.utf8) + [UInt8](repeating: 0x61, count: 65 << 20) + Array(#""}"#.utf8)
        let error = try #require(throws: CallError.self) { try host.callBlocking("crashy", "pid", arguments: huge) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("64 MiB frame limit"))
        #expect(try identity(host).calls == 1, "the same worker, not a restart")
    }

    /// The fake worker (Tests/Fixtures/c/garbage_worker.c), built once per test.
    func buildGarbageWorker() throws -> String {
        let output = "\(workspace.root)/../garbage-worker"
        let result = try Shell.run("/usr/bin/env", [
            "cc", "-std=c11", "-O1", "-I", "\(Workspace.repository)/SDK/Sources/NekoABI/include",
            "\(Workspace.repository)/Tests/Fixtures/c/garbage_worker.c", "-o", output,
        ])
        #expect(result.status == 0, "cc failed: \(result.stderr)")
        return output
    }

    @Test func malformedAndOversizedFramesFromAWorkerNeverCrashTheHost() throws {
        let worker = try buildGarbageWorker()
        try workspace.fixture("versioned", as: "victim", plugin: "")
        let manifest = "\(workspace.root)/victim/plugin.toml"
        try (String(contentsOfFile: manifest, encoding: .utf8) + "\n[plugin_runtime]\nisolation = \"process\"\ntimeout = 2\n")
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        var cases: [(mode: String, seed: Int)] = [("oversized", 0)]
        cases += (1...40).map { ("random", $0) }
        cases += (1...40).map { ("hello-then-garbage", $0) }
        var outcomes: [String: Int] = [:]
        // No time bound of its own (the fake worker exits after writing, so
        // each case ends at once): the suite's time limit catches a hang.
        for (mode, seed) in cases {
            var options = workspace.options()
            options.workerExecutable = worker
            options.workerEnvironment = ["GARBAGE_MODE": mode, "GARBAGE_SEED": "\(seed)", "GARBAGE_ID": "victim"]
            let host = PluginHost(options: options)
            host.loadAll()
            // cgreet is in-process and must not notice.
            #expect(try host.callBlocking("cgreet", "greet", arguments: Array(#"{"name":"Ada"}"#.utf8)).count > 0)
            switch host.plugin("victim")?.state {
            case .failed(let failure)?:
                outcomes[failure.phase.rawValue, default: 0] += 1
                if mode == "oversized" { #expect(failure.message.contains("exceeds the limit of 64 MiB"), "\(failure)") }
                if mode == "hello-then-garbage" {
                    #expect(failure.phase == .startup, "\(failure)")
                    #expect(failure.message.contains("crashed"), "\(failure)")
                }
            case let other:
                Issue.record("\(mode) \(seed): victim is \(String(describing: other))")
            }
            host.shutdown()
        }
        #expect(outcomes.values.reduce(0, +) == cases.count, "every case ended with the victim failed: \(outcomes)")
    }
}
