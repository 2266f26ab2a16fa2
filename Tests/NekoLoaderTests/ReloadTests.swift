import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Synchronization
import Testing

/// Hot reload through the loader: a new generation from a new build, the old
/// one's state handed over, and not one call failed while it switches; the
/// same for plugins in worker processes (`isolated`), where the new
/// generation is a new worker and the old one's worker ends.
@Suite(.timeLimit(.minutes(3))) struct ReloadTests {
    let workspace: Workspace
    let source = "\(Workspace.repository)/Tests/Fixtures/c/versioned.c"

    init() throws {
        workspace = try Workspace()
        try workspace.fixture("versioned", as: "versioned")
    }

    /// Builds version `version` of the fixture, off to the side.
    func build(_ version: Int, failingStart: Bool = false) throws -> String {
        let output = "\(workspace.root)/../build-\(version)\(failingStart ? "-fail" : "").so"
        try workspace.compile("versioned", source: source, flags: ["-DVERSION=\(version)"] + (failingStart ? ["-DFAIL_START"] : []), output: output)
        return output
    }

    struct Hit: Decodable { var version: Int; var count: Int }

    @Test(arguments: [false, true]) func fourClientsTwentyReloadsNotOneFailedCall(isolated: Bool) throws {
        workspace.isolateAll = isolated
        let builds = try (2...21).map { try build($0) }
        let host = workspace.host()
        defer { host.shutdown() }
        #expect(host.loadAll().failed.isEmpty)
        let handle = try host.entry("versioned", "hit")
        let stop = Atomic<Bool>(false)
        // Each answered call, recorded: the reloads wait for the clients' calls on it.
        let calls = Happenings<Void>()
        let failures = Mutex<[String]>([])
        let backwards = Atomic<Int>(0)
        let group = DispatchGroup()
        for client in 0..<4 {
            DispatchQueue.global().async(group: group) {
                var last = 0
                while !stop.load(ordering: .relaxed) {
                    do {
                        // Two clients resolve by name every call, two keep one handle.
                        let bytes = client < 2 ? try host.callBlocking("versioned", "hit", arguments: []) : try handle.callBlocking([])
                        let hit = try NekoJSONDecoder().decode(Hit.self, from: bytes)
                        if hit.version < last { backwards.wrappingAdd(1, ordering: .relaxed) }
                        last = hit.version
                        calls.record(())
                    } catch {
                        failures.withLock { $0.append("\(error)") }
                    }
                }
            }
        }
        for (index, library) in builds.enumerated() {
            // Let the clients call between reloads: 20 more answers first.
            calls.wait(for: calls.count + 20, "20 calls answered before reload \(index + 1)")
            try workspace.replaceLibrary(of: "versioned", with: library)
            let oldWorker = host.plugin("versioned")?.workerPID
            let report = try host.reload("versioned").get()
            #expect(report.generation == index + 2)
            #expect(report.stateBytes > 0)
            if isolated {
                let oldWorker = try #require(oldWorker)
                #expect(kill(oldWorker, 0) == -1, "the old generation's worker has ended")
                #expect(host.plugin("versioned")?.workerPID.map { $0 != oldWorker } == true)
            }
        }
        stop.store(true, ordering: .relaxed)
        group.wait()
        #expect(failures.withLock { $0 } == [], "not one call may fail while the plugin reloads")
        #expect(backwards.load(ordering: .relaxed) == 0, "each client sees versions that only move forward")
        let last = try NekoJSONDecoder().decode(Hit.self, from: host.callBlocking("versioned", "hit", arguments: []))
        #expect(last.version == 21)
        #expect(last.count == calls.count + 1, "the count was carried, exactly, across 20 reloads")
        #expect(host.plugin("versioned")?.generation == 21)
    }

    @Test(arguments: [false, true]) func aBrokenBuildLeavesThePreviousGenerationServing(isolated: Bool) throws {
        workspace.isolateAll = isolated
        let failing = try build(2, failingStart: true)
        let good = try build(3)
        try workspace.compile("versioned", source: "\(Workspace.repository)/Tests/Fixtures/c/abi_major.c", output: "\(workspace.root)/../abi-major.so")
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        _ = try host.callBlocking("versioned", "hit", arguments: [])

        try workspace.replaceLibrary(of: "versioned", with: failing)
        guard case .failure(let startFailure) = host.reload("versioned") else { Issue.record("a build whose start fails replaced the running one"); return }
        #expect(startFailure.phase == .startup)
        #expect(startFailure.message.contains("start refused on purpose"))
        #expect(host.plugin("versioned")?.lastReload?.failure == startFailure)

        try workspace.replaceLibrary(of: "versioned", with: "\(workspace.root)/../abi-major.so")
        guard case .failure(let abiFailure) = host.reload("versioned") else { Issue.record("a build for ABI 99 replaced the running one"); return }
        #expect(abiFailure.phase == .abi)

        var hit = try NekoJSONDecoder().decode(Hit.self, from: host.callBlocking("versioned", "hit", arguments: []))
        #expect(hit.version == 1 && hit.count == 2, "generation 1 serves on, its count intact")
        try workspace.replaceLibrary(of: "versioned", with: good)
        #expect(try host.reload("versioned").get().generation == 2)
        hit = try NekoJSONDecoder().decode(Hit.self, from: host.callBlocking("versioned", "hit", arguments: []))
        #expect(hit.version == 3 && hit.count == 3)
        #expect(host.plugin("versioned")?.lastReload?.failure == nil)
    }

    @Test(arguments: [false, true]) func unloadLetsCallsInFlightFinishThenNewCallsAreNotFound(isolated: Bool) throws {
        workspace.isolateAll = isolated
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        let napped = Mutex<Result<[UInt8], CallError>?>(nil)
        let started = Happenings<CallProgress>()
        let done = DispatchSemaphore(value: 0)
        // A thread of its own: Dispatch's pool may be busy with other tests.
        DetachedThread.start {
            let outcome = Result { () throws(CallError) in
                try host.callBlocking("versioned", "nap", arguments: [], progress: { started.record($0) })
            }
            napped.withLock { $0 = outcome }
            done.signal()
        }
        // The nap reports progress as it starts (then takes 200 ms): it is in flight.
        try #require(started.wait("versioned:nap to start"))
        try host.unload("versioned")
        done.wait()
        #expect(try napped.withLock { try $0?.get() }?.text == #"{"napped":true}"#)
        #expect(throws: CallError(.notFound, "plugin 'versioned' was unloaded (load or reload brings it back)")) {
            try host.callBlocking("versioned", "hit", arguments: [])
        }
        #expect(host.plugin("versioned")?.state == .stopped)
        #expect(try host.reload("versioned").get().generation == 2)
        #expect(try host.callBlocking("versioned", "hit", arguments: []).text == #"{"version":1,"count":1}"#)
    }

    @Test(arguments: [false, true]) func aSwiftPluginsStateSurvivesAReload(isolated: Bool) async throws {
        workspace.isolateAll = isolated
        try workspace.install("thread_safe")
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        for key in ["a", "b", "c"] { _ = try host.callBlocking("thread_safe", "update", arguments: #"{"key":"\#(key)","value":"v"}"#.bytes) }
        // The same build, rewritten: a new file, hence a new private copy and a new image.
        let library = "\(workspace.root)/thread_safe/libthread_safe.so"
        try workspace.replaceLibrary(of: "thread_safe", with: library)
        let report = try host.reload("thread_safe").get()
        #expect(report.generation == 2)
        let snapshot = try JSON.parse(host.callBlocking("thread_safe", "snapshot", arguments: []))
        #expect(snapshot["updates"] == 3)
        #expect(snapshot["data"]?["b"] == "v")
    }

    @Test func aFolderFromAnywhereCanBeLoaded() throws {
        let elsewhere = try Workspace()
        let host = elsewhere.host()  // its own root has no plugin
        defer { host.shutdown() }
        host.loadAll()
        #expect(try host.load(folder: "\(workspace.root)/versioned").get() == "versioned")
        #expect(try host.callBlocking("versioned", "hit", arguments: []).text == #"{"version":1,"count":1}"#)
    }
}
