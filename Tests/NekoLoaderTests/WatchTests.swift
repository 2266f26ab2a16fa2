import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe
import Testing

/// The watcher: plugins reload, load and unload on their own when their files
/// change. No test sleeps, polls or asserts a duration: after each change it
/// waits until the watcher has caught up with it (`waitUntilCaughtUp`), so
/// that "nothing was loaded yet" is checked once the watcher has handled the
/// change, not after a guessed delay. The limit only runs out if something hangs.
@Suite(.timeLimit(.minutes(3))) struct WatchTests {
    let workspace: Workspace
    let source = "\(Workspace.repository)/Tests/Fixtures/c/versioned.c"

    init() throws {
        workspace = try Workspace()
    }

    struct Hit: Decodable { var version: Int; var count: Int }
    struct Greeting: Decodable { var greeting: String }

    /// Builds version `version` of the versioned fixture, off to the side.
    func build(_ version: Int) throws -> String {
        let output = "\(workspace.root)/../build-\(version).so"
        try workspace.compile("versioned", source: source, flags: ["-DVERSION=\(version)"], output: output)
        return output
    }

    func hit(_ host: PluginHost) throws -> Hit {
        try NekoJSONDecoder().decode(Hit.self, from: host.callBlocking("versioned", "hit", arguments: []))
    }

    /// Waits until `watcher` has acted on every change made so far (`what`).
    func caughtUp(_ watcher: PluginWatcher, with what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(watcher.waitUntilCaughtUp(timeout: .seconds(60)), "the watcher never caught up with \(what)", sourceLocation: sourceLocation)
    }

    /// A host over the workspace with `versioned` (version 1) loaded, and a
    /// watcher on it.
    func versionedHost() throws -> (PluginHost, PluginWatcher) {
        try workspace.fixture("versioned", as: "versioned")
        let host = workspace.host()
        #expect(host.loadAll().failed.isEmpty)
        let watcher = PluginWatcher(host: host, roots: [workspace.root])
        try watcher.start()
        return (host, watcher)
    }

    @Test func aNewLibraryRenamedIntoPlaceReloadsWithItsState() throws {
        let version2 = try build(2)
        let (host, watcher) = try versionedHost()
        defer { watcher.stop(); host.shutdown() }
        #expect(try hit(host).version == 1)
        #expect(try hit(host).count == 2)

        try workspace.replaceLibrary(of: "versioned", with: version2)
        caughtUp(watcher, with: "the library renamed into place")
        let events = watcher.events
        #expect(events.map(\.kind) == [.reloaded], "\(events)")
        #expect(events.first?.id == "versioned")
        let after = try hit(host)
        #expect(after.version == 2, "the new build answers")
        #expect(after.count == 3, "the count was handed over to the new generation")
        #expect(host.plugin("versioned")?.generation == 2)
    }

    @Test func aHalfWrittenLibraryIsNotLoadedUntilItIsComplete() throws {
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: build(2))))
        let (host, watcher) = try versionedHost()
        defer { watcher.stop(); host.shutdown() }
        let target = "\(workspace.root)/versioned/libversioned.so"

        // Written in place, in two halves, with the file kept open between them.
        let descriptor = open(target, O_WRONLY | O_TRUNC)
        #expect(descriptor >= 0)
        let half = bytes.count / 2
        #expect(bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, half) } == half)
        caughtUp(watcher, with: "the first half written")
        #expect(watcher.events.isEmpty, "the watcher acted on a half-written library: \(watcher.events)")
        #expect(try hit(host).version == 1)

        #expect(bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + half, bytes.count - half) } == bytes.count - half)
        close(descriptor)
        caughtUp(watcher, with: "the completed library")
        #expect(watcher.events.map(\.kind) == [.reloaded], "\(watcher.events)")
        #expect(try hit(host).version == 2)
    }

    @Test func aBadBuildIsRecordedAndTheOldGenerationServesOn() throws {
        let abiMajor = "\(workspace.root)/../abi-major.so"
        try workspace.compile("versioned", source: "\(Workspace.repository)/Tests/Fixtures/c/abi_major.c", output: abiMajor)
        let version3 = try build(3)
        let (host, watcher) = try versionedHost()
        defer { watcher.stop(); host.shutdown() }
        _ = try hit(host)

        try workspace.replaceLibrary(of: "versioned", with: abiMajor)
        caughtUp(watcher, with: "a build for another ABI")
        #expect(watcher.events.count == 1, "\(watcher.events)")
        var event = watcher.events.last
        #expect(event?.kind == .failed)
        #expect(event?.phase == .abi)
        #expect(event?.message.contains("reload failed at abi") == true, "\(String(describing: event))")
        #expect(try hit(host).version == 1)

        // Truncated in place (a build that died half-way): 100 bytes are no library.
        let handle = try #require(FileHandle(forWritingAtPath: "\(workspace.root)/versioned/libversioned.so"))
        try handle.truncate(atOffset: 100)
        try handle.close()
        caughtUp(watcher, with: "a truncated library")
        #expect(watcher.events.count == 2, "\(watcher.events)")
        event = watcher.events.last
        #expect(event?.kind == .failed)
        #expect(event?.phase == .open, "\(String(describing: event))")
        #expect(event?.message.contains("reload failed at open") == true, "\(String(describing: event))")
        let still = try hit(host)
        #expect(still.version == 1 && still.count == 3, "generation 1 serves on, its count intact")

        // The watcher goes on: the next good build loads.
        try workspace.replaceLibrary(of: "versioned", with: version3)
        caughtUp(watcher, with: "the next good build")
        #expect(watcher.events.map(\.kind) == [.failed, .failed, .reloaded])
        #expect(try hit(host).version == 3)
    }

    @Test func aNewFolderLoadsAndARemovedOneUnloads() throws {
        let host = workspace.host()
        let watcher = PluginWatcher(host: host, roots: [workspace.root])
        defer { watcher.stop(); host.shutdown() }
        try watcher.start()

        // Copied in under a temporary name, then renamed to its id, as an installer would.
        let source = "\(Workspace.builtPlugins)/cgreet"
        #expect(FileManager.default.fileExists(atPath: "\(source)/libcgreet.so"), "run `make plugins` first")
        try FileManager.default.copyItem(atPath: source, toPath: "\(workspace.root)/cgreet.tmp")
        try FileManager.default.moveItem(atPath: "\(workspace.root)/cgreet.tmp", toPath: "\(workspace.root)/cgreet")
        caughtUp(watcher, with: "a new folder renamed into the root")
        #expect(watcher.events.map(\.kind) == [.loaded], "\(watcher.events)")
        #expect(host.plugin("cgreet")?.state == .loaded)
        #expect(try host.callBlocking("cgreet", "noop", arguments: []).text == "{}")
        #expect(watcher.events.first?.id == "cgreet")

        try FileManager.default.removeItem(atPath: "\(workspace.root)/cgreet")
        caughtUp(watcher, with: "the removed folder")
        #expect(watcher.events.map(\.kind) == [.loaded, .unloaded], "\(watcher.events)")
        #expect {
            try host.callBlocking("cgreet", "noop", arguments: [])
        } throws: { ($0 as? CallError)?.code == .notFound }

        // Back again, copied file by file under its final name, the watcher
        // catching up after each step: it loads once it is complete.
        let folder = "\(workspace.root)/cgreet"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: false)
        caughtUp(watcher, with: "an empty folder")
        #expect(watcher.events.count == 2, "nothing to load in an empty folder: \(watcher.events)")
        try FileManager.default.copyItem(atPath: "\(source)/plugin.toml", toPath: "\(folder)/plugin.toml")
        caughtUp(watcher, with: "a plugin.toml without its library")
        #expect(watcher.events.count == 2, "nothing to load before the library is there: \(watcher.events)")
        try FileManager.default.copyItem(atPath: "\(source)/libcgreet.so", toPath: "\(folder)/libcgreet.so")
        caughtUp(watcher, with: "the library, last")
        #expect(watcher.events.map(\.kind) == [.loaded, .unloaded, .loaded])
        #expect(try host.callBlocking("cgreet", "noop", arguments: []).text == "{}")
    }

    @Test func anEditedManifestReloadsWithTheNewConfig() throws {
        try workspace.install("cgreet")
        try workspace.install("hello")
        let host = workspace.host()
        #expect(host.loadAll().failed.isEmpty)
        let watcher = PluginWatcher(host: host, roots: [workspace.root])
        defer { watcher.stop(); host.shutdown() }
        try watcher.start()
        func greet() throws -> String {
            try NekoJSONDecoder().decode(Greeting.self, from: host.callBlocking("hello", "greet", arguments: #"{"name":"Ada"}"#.bytes)).greeting
        }
        #expect(try greet() == "Hello, Ada!")

        let manifest = "\(workspace.root)/hello/plugin.toml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        #expect(text.contains(#"word = "Hello""#))
        try text.replacingOccurrences(of: #"word = "Hello""#, with: #"word = "Howdy""#).write(toFile: manifest, atomically: true, encoding: .utf8)
        caughtUp(watcher, with: "the edited manifest")
        #expect(watcher.events.map(\.kind) == [.reloaded], "\(watcher.events)")
        #expect(try greet() == "Howdy, Ada!")
        #expect(watcher.events.first?.id == "hello")
    }

    @Test func aFolderAddedWithLoadFolderIsWatchedToo() throws {
        let version2 = try build(2)
        let host = workspace.host()
        defer { host.shutdown() }
        let watcher = PluginWatcher(host: host, roots: [workspace.root])
        try watcher.start()
        defer { watcher.stop() }
        // Outside the root: a folder added from anywhere (`nekoctl load PATH`).
        let elsewhere = "\(workspace.root)/../elsewhere/versioned"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try "[plugin]\nid = \"versioned\"\nname = \"versioned\"\nversion = \"1.0.0\"\n".write(toFile: "\(elsewhere)/plugin.toml", atomically: true, encoding: .utf8)
        try workspace.compile("versioned", source: source, flags: ["-DVERSION=1"], output: "\(elsewhere)/libversioned.so")
        caughtUp(watcher, with: "the builds")
        #expect(watcher.events.isEmpty, "nothing under the root is a plugin: \(watcher.events)")
        #expect(try host.load(folder: elsewhere).get() == "versioned")
        #expect(try hit(host).version == 1)

        // `load(folder:)` returned once the folder was watched: a build renamed in now reloads it.
        try FileManager.default.copyItem(atPath: version2, toPath: "\(elsewhere)/libversioned.so.tmp")
        #expect(rename("\(elsewhere)/libversioned.so.tmp", "\(elsewhere)/libversioned.so") == 0)
        caughtUp(watcher, with: "the library renamed into the outside folder")
        #expect(watcher.events.map(\.kind).last == .reloaded, "\(watcher.events)")
        #expect(try hit(host).version == 2)
    }

    @Test func aLibraryAlreadyReloadedIsNotReloadedAgain() throws {
        let version2 = try build(2)
        try workspace.fixture("versioned", as: "versioned")
        let host = workspace.host()
        defer { host.shutdown() }
        #expect(host.loadAll().failed.isEmpty)
        // A long debounce: the reload below (as `nekoctl dev` makes it) comes before the watcher acts.
        let watcher = PluginWatcher(host: host, roots: [workspace.root], debounce: .seconds(3))
        try watcher.start()
        defer { watcher.stop() }
        try workspace.replaceLibrary(of: "versioned", with: version2)
        #expect(throws: Never.self) { try host.reload("versioned").get() }
        caughtUp(watcher, with: "the library someone reloaded already")
        #expect(watcher.events.isEmpty, "\(watcher.events)")
        #expect(host.plugin("versioned")?.generation == 2, "one reload, not two")
        #expect(try hit(host).version == 2)
    }

    @Test func theSourceWatcherReportsSavesOfSourcesOnly() throws {
        let folder = "\(workspace.root)/src"
        try FileManager.default.createDirectory(atPath: "\(folder)/Sources/Inner", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(folder)/.build", withIntermediateDirectories: true)
        let sources = try SourceWatcher(folder: folder)
        let changes = Happenings<SourceChange>()
        let ended = Happenings<Bool>()
        Thread.detachNewThread {
            while let change = sources.nextChange() { changes.record(change) }
            ended.record(true)
        }
        // Not sources: a build's output, data, a hidden build folder. Then one source, in a sub-folder.
        for path in ["libsrc.so", "libsrc.so.tmp", "data.db", ".build/x.swift", "config.json"] {
            try Data("x".utf8).write(to: URL(fileURLWithPath: "\(folder)/\(path)"))
        }
        try Data("int x;".utf8).write(to: URL(fileURLWithPath: "\(folder)/Sources/Inner/plugin.c"))
        #expect(changes.wait(for: 1, "a change"))
        #expect(changes.all.first?.files == ["Sources/Inner/plugin.c"], "\(changes.all)")
        // A folder made after the start is watched too.
        try FileManager.default.createDirectory(atPath: "\(folder)/Later", withIntermediateDirectories: true)
        try Data("let x = 1".utf8).write(to: URL(fileURLWithPath: "\(folder)/Later/New.swift"))
        #expect(changes.wait(for: 2, "a change in a new folder"))
        #expect(changes.all.last?.files == ["Later/New.swift"], "\(changes.all)")
        sources.stop()
        #expect(ended.wait(for: 1, "the end of nextChange"))
        #expect(throws: WatchError.self) { try SourceWatcher(folder: "\(workspace.root)/missing") }
    }

    @Test func aRootThatCannotBeWatchedIsNamed() throws {
        let missing = "\(workspace.root)/nowhere"
        let watcher = PluginWatcher(host: workspace.host(), roots: [workspace.root, missing])
        #expect(throws: WatchError.self) { try watcher.start() }
        do {
            try watcher.start()
        } catch {
            #expect(error.path == missing)
            #expect(error.description.contains("does not exist"))
        }
        #expect(!watcher.isRunning)
        #expect(!watcher.waitUntilCaughtUp(timeout: .seconds(60)), "a watcher that is not running says so at once")
        watcher.stop()
        watcher.stop()
    }
}
