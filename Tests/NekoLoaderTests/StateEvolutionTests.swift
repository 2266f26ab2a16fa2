import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// A `StatefulPlugin` whose `State` changes between builds, hot-reloaded
/// from one build into the next (Tests/Fixtures/swift: `stateful_v1` to
/// `_v4`), in-process and in a worker process: added fields take their
/// defaults, dropped ones go, a migration hook renames, and a state that does
/// not fit refuses the reload, naming the plugin and the fields, while the
/// running generation answers on.
@Suite(.timeLimit(.minutes(3))) struct StateEvolutionTests {
    let workspace: Workspace

    init() throws {
        workspace = try Workspace()
        try workspace.writeManifest("stateful")
    }

    /// Where `swift build` put fixture build `name` (`libstateful_v1.so`, ...).
    static func library(_ name: String) -> String {
        let bin = ProcessInfo.processInfo.environment["NEKO_BIN"] ?? "\(Workspace.repository)/.build/\(Workspace.configuration)"
        return "\(bin)/lib\(name).so"
    }

    /// Puts fixture build `name` in place as the plugin's library.
    func use(_ name: String) throws {
        let library = Self.library(name)
        try #require(FileManager.default.fileExists(atPath: library), "\(library) is missing: run `make test` (swift build builds the fixtures)")
        try workspace.replaceLibrary(of: "stateful", with: library)
    }

    /// Loads build `first` and bumps it once per note.
    func start(_ first: String, isolated: Bool, notes: [String]) throws -> PluginHost {
        workspace.isolateAll = isolated
        try use(first)
        let host = workspace.host()
        #expect(host.loadAll().failed.isEmpty)
        for note in notes { _ = try host.callBlocking("stateful", "bump", arguments: #"{"note":"\#(note)"}"#.bytes) }
        return host
    }

    func served(_ host: PluginHost) throws -> JSON {
        try JSON.parse(host.callBlocking("stateful", "state", arguments: []))
    }

    @Test(arguments: [false, true]) func anAddedFieldTakesItsDefaultAndADroppedOneGoes(isolated: Bool) throws {
        let host = try start("stateful_v1", isolated: isolated, notes: ["a", "b"])
        defer { host.shutdown() }
        try use("stateful_v2")
        let report = try host.reload("stateful").get()
        #expect(report.generation == 2)
        let answer = try served(host)
        #expect(answer["build"] == 2)
        let state = try #require(answer["state"])
        #expect(state["count"] == 2, "carried")
        #expect(state["notes"] == [["text": "a"], ["text": "b"]], "carried")
        #expect(state["tags"] == ["a": 1, "b": 2], "a dictionary is carried as saved, without the new build's default entries")
        #expect(state["inner"] == ["depth": 3, "width": 5], "a field added to a nested struct takes its default")
        #expect(state["label"] == "fresh", "an added field takes its default")
        #expect(state["legacy"] == nil, "a dropped field goes")
        let bumped = try JSON.parse(host.callBlocking("stateful", "bump", arguments: #"{"note":"c"}"#.bytes))
        #expect(bumped["state"]?["count"] == 3)
    }

    @Test(arguments: [false, true]) func theMigrationHookTurnsAnOlderVersionIntoTheNewShape(isolated: Bool) throws {
        let host = try start("stateful_v1", isolated: isolated, notes: ["a", "b", "c"])
        defer { host.shutdown() }
        try use("stateful_v3")
        #expect(try host.reload("stateful").get().generation == 2)
        let answer = try served(host)
        #expect(answer["build"] == 3)
        #expect(answer["state"] == ["total": 3, "notes": [["text": "a"], ["text": "b"], ["text": "c"]], "migratedFrom": 1])
        // The same version again: no migration runs, the state is carried as it is.
        _ = try host.callBlocking("stateful", "bump", arguments: #"{"note":"d"}"#.bytes)
        try use("stateful_v3")
        #expect(try host.reload("stateful").get().generation == 3)
        #expect(try served(host)["state"]?["total"] == 4)
    }

    @Test(arguments: [false, true]) func aStateThatDoesNotFitKeepsTheRunningGenerationServing(isolated: Bool) throws {
        let host = try start("stateful_v1", isolated: isolated, notes: ["a"])
        defer { host.shutdown() }
        try use("stateful_v4")
        guard case .failure(let failure) = host.reload("stateful") else {
            Issue.record("a build whose State does not fit the saved state replaced the running one")
            return
        }
        #expect(failure.phase == .startup)
        #expect(failure.message.contains("plugin 'stateful': the state the running generation saved does not fit State (version 1)"), "\(failure.message)")
        #expect(failure.message.contains("field 'count' must be a string, got 1"), "\(failure.message)")
        #expect(failure.message.contains("field 'notes[0]' must be an integer, got an object"), "every field at fault: \(failure.message)")
        #expect(failure.message.contains("migrateState"), "it says what to do: \(failure.message)")
        #expect(host.plugin("stateful")?.lastReload?.failure == failure)
        #expect(host.plugin("stateful")?.generation == 1)
        let answer = try served(host)
        #expect(answer["build"] == 1, "the running generation answers on")
        #expect(answer["state"]?["count"] == 1)
        let bumped = try JSON.parse(host.callBlocking("stateful", "bump", arguments: #"{"note":"b"}"#.bytes))
        #expect(bumped["state"]?["count"] == 2, "and keeps its state")
    }

    @Test(arguments: [false, true]) func aNewerVersionRefusesTheReload(isolated: Bool) throws {
        // Build 3 saves version 2; build 1 knows only version 1.
        let host = try start("stateful_v3", isolated: isolated, notes: ["a"])
        defer { host.shutdown() }
        try use("stateful_v1")
        guard case .failure(let newer) = host.reload("stateful") else { Issue.record("an older build took a newer state"); return }
        #expect(newer.message.contains("plugin 'stateful': the state the running generation saved is version 2 of State, newer than this build's 1"), "\(newer.message)")
        #expect(try served(host)["build"] == 3)
    }

    @Test(arguments: [false, true]) func aMigrationThatThrowsRefusesTheReload(isolated: Bool) throws {
        // Build 4 saves version 1 with a string `count`: build 3's migration refuses it.
        let host = try start("stateful_v4", isolated: isolated, notes: ["a"])
        defer { host.shutdown() }
        try use("stateful_v3")
        guard case .failure(let refused) = host.reload("stateful") else { Issue.record("a failed migration replaced the running build"); return }
        #expect(refused.message.contains("plugin 'stateful': the state the running generation saved (version 1) did not migrate to version 2"), "\(refused.message)")
        #expect(refused.message.contains("'count' must be an integer to become 'total', got \"|\""), "\(refused.message)")
        #expect(try served(host)["build"] == 4)
    }
}
