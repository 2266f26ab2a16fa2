import Foundation
@testable import Example_persistent
import NekoPlugin
import NekoPluginTesting
import Testing

/// The persistent example's database lives in the harness's temporary data
/// folder: kept across calls and reloads, apart for each harness, removed at the end.
@Suite struct PersistentHarnessTests {
    let manifest = HarnessManifest(id: "persistent", version: "1.0.0")

    @Test func recordsLiveInTheDataFolderWhichGoesWithTheHarness() async throws {
        var harness: PluginHarness<Persistent>? = try PluginHarness(Persistent.self, manifest: manifest)
        let folder = try #require(harness?.dataFolder)
        _ = try await harness?.call("save", ["key": "greeting", "value": "hello"] as JSON, as: [String: Bool].self)
        #expect(FileManager.default.fileExists(atPath: folder.appending(path: "data.db").path))
        try harness?.reload()
        let record = try await harness?.call("get", ["key": "greeting"] as JSON, as: Persistent.Record.self)
        #expect(record?.value == "hello")

        let other = try PluginHarness(Persistent.self, manifest: manifest)
        #expect(other.dataFolder != folder)
        let missing = await #expect(throws: CallError.self) { try await other.call("get", ["key": "greeting"] as JSON, as: Persistent.Record.self) }
        #expect(missing?.code == .notFound)

        harness = nil
        #expect(!FileManager.default.fileExists(atPath: folder.path), "the data folder is removed with the harness")
    }
}
