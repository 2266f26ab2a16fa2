import Foundation
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import NekoSQLite
import Testing

/// `context.database()` and `context.store()`: the plugin's `data.db` in its
/// data folder, with Codable values in NekoCore's JSON.
@Suite struct StorageTests {
    final class Keeper: Plugin {
        static let id = "keeper"
        static let entries: [Entry<Keeper>] = []
        let context: PluginContext
        init(context: PluginContext) throws { self.context = context }
    }

    struct Profile: Codable, Sendable, Equatable {
        var name: String
        var volume: Int
        var tags: [String]
    }

    let host: TestHost

    init() throws {
        host = try TestHost(id: "keeper")
    }

    @Test func theStoreKeepsCodableValuesInDataDbOfTheDataFolder() throws {
        let context = try host.instance(of: Keeper.self).context
        let store = try context.store()
        #expect(try context.store() === store, "opened once")
        #expect(try context.database() === store.database)
        #expect(store.database.path == "\(host.folder)/data.db")
        try store.set("ada", Profile(name: "Ada", volume: 7, tags: ["a"]))
        #expect(try store.get("ada", as: Profile.self) == Profile(name: "Ada", volume: 7, tags: ["a"]))
        #expect(try store.get("nobody", as: Profile.self) == nil)
        // Stored as the SDK's JSON, readable with plain SQL.
        let raw = try store.database.scalar("SELECT value FROM neko_kv WHERE key = ?", .text("ada"))
        guard case .blob(let bytes) = raw else {
            Issue.record("the value is not a blob: \(String(describing: raw))")
            return
        }
        #expect(try JSON.parse(bytes) == ["name": "Ada", "volume": 7, "tags": ["a"]])
    }

    @Test func aNewInstanceOnTheSameFolderReadsWhatTheLastOneStored() throws {
        do {
            let store = try host.instance(of: Keeper.self).context.store()
            try store.set("count", 41)
            try store.database.close()
        }
        let store = try host.instance(of: Keeper.self).context.store()
        #expect(try store.get("count", as: Int.self) == 41)
    }

    @Test func aValueOfAnotherTypeIsAnErrorNamingTheKey() throws {
        let store = try host.instance(of: Keeper.self).context.store()
        try store.set("count", "many")
        let error = try #require(throws: KeyValueStoreError.self) { try store.get("count", as: Int.self) }
        #expect("\(error)".contains("'count'"))
        #expect("\(error)".contains("Int"))
    }

    @Test func concurrentCallersEachSeeTheirOwnWritesAndAllOfThemLand() async throws {
        let store = try host.instance(of: Keeper.self).context.store()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for caller in 0..<4 {
                group.addTask {
                    for index in 0..<200 {
                        let key = "c\(caller)-\(index)"
                        try store.set(key, Profile(name: key, volume: index, tags: []))
                        // Committed when set returns: a read (on any connection) sees it.
                        #expect(try store.get(key, as: Profile.self)?.volume == index)
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.count == 800)
        #expect(try store.keys(prefix: "c3-").count == 200)
    }
}
