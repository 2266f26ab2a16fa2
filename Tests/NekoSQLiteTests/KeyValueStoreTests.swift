import NekoSQLite
import Testing

@Suite("KeyValueStore")
struct KeyValueStoreTests {
    struct Settings: Codable, Equatable {
        var volume: Int
        var name: String
        var tags: [String]
        var ratio: Double?
    }

    let folder: TemporaryFolder
    let path: String

    init() throws {
        folder = try TemporaryFolder()
        path = folder.file("data.db")
    }

    @Test("set, get, delete, contains and count with Codable values")
    func basics() throws {
        let store = try KeyValueStore(database: Database(path: path))
        let settings = Settings(volume: 3, name: "猫 \"quoted\"", tags: ["a", "b"], ratio: 0.5)

        try store.set("settings", settings)
        try store.set("count", 42)
        try store.set("title", "hello")
        #expect(try store.get("settings", as: Settings.self) == settings)
        #expect(try store.get("count", as: Int.self) == 42)
        let title: String? = try store.get("title")
        #expect(title == "hello")
        #expect(try store.get("missing", as: Int.self) == nil)
        #expect(try store.count == 3)
        #expect(try store.contains("count"))

        try store.set("count", 43)  // Replaces.
        #expect(try store.get("count", as: Int.self) == 43)
        #expect(try store.count == 3)

        #expect(try store.delete("count"))
        #expect(try !store.delete("count"))
        #expect(try !store.contains("count"))
        #expect(try store.count == 2)
    }

    @Test("values are JSON in neko_kv, with updated_at set")
    func storedAsJSON() throws {
        let database = try Database(path: path)
        let store = try KeyValueStore(database: database)
        struct Point: Codable { var x: Int }  // One member, as JSONEncoder's member order varies.
        try store.set("point", Point(x: 1))
        let row = try #require(try database.query("SELECT value, updated_at FROM neko_kv WHERE key = ?", "point").first)
        #expect(row.blob("value").map { String(decoding: $0, as: UTF8.self) } == #"{"x":1}"#)
        #expect((row.int("updated_at") ?? 0) > 1_700_000_000)

        try store.setData("raw", [0, 1, 2])
        #expect(try store.getData("raw") == [0, 1, 2])
        #expect(try store.getData("missing") == nil)
    }

    @Test("keys are sorted and filtered by an exact prefix")
    func keysByPrefix() throws {
        let store = try KeyValueStore(database: Database(path: path))
        for key in ["user.bob", "user.alice", "users", "user", "usera", "config", "user.%", "user._x", "User.carol", "猫.1", "猫.2", "猫"] {
            try store.set(key, true)
        }
        #expect(try store.keys(prefix: "user.") == ["user.%", "user._x", "user.alice", "user.bob"])
        #expect(try store.keys(prefix: "猫.") == ["猫.1", "猫.2"])
        #expect(try store.keys(prefix: "nothing") == [])
        #expect(try store.keys(prefix: "\u{10FFFF}") == [])
        let all = try store.keys()
        #expect(all.count == 12)
        #expect(all == all.sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) })
        #expect(try store.keys(prefix: "") == all)
    }

    @Test("a value that does not decode names the key and the type")
    func decodeErrorNamesKey() throws {
        let store = try KeyValueStore(database: Database(path: path))
        try store.set("a", "not a number")
        let error = #expect(throws: KeyValueStoreError.self) {
            try store.get("a", as: Int.self)
        }
        #expect(error?.key == "a")
        #expect(error?.operation == .decode)
        #expect(error?.description.hasPrefix("cannot decode the value of key 'a' as Int: ") == true)

        try store.set("settings", ["volume": 1])
        let missing = #expect(throws: KeyValueStoreError.self) {
            try store.get("settings", as: Settings.self)
        }
        #expect(missing?.description == "cannot decode the value of key 'settings' as Settings: no value for 'name'")

        let encode = #expect(throws: KeyValueStoreError.self) {
            try store.set("ratio", Double.nan)
        }
        #expect(encode?.description.hasPrefix("cannot encode the Double value for key 'ratio': ") == true)
        #expect(try !store.contains("ratio"))
    }

    @Test("4 tasks setting 2,000 keys each store exactly 8,000 values")
    func concurrentSets() async throws {
        let store = try KeyValueStore(database: Database(path: path))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for writer in 0..<4 {
                group.addTask {
                    for n in 0..<2_000 {
                        try store.set("w\(writer).\(n)", Settings(volume: n, name: "w\(writer)", tags: [], ratio: nil))
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.count == 8_000)
        #expect(try store.keys(prefix: "w3.").count == 2_000)
        #expect(try store.get("w2.1999", as: Settings.self)?.volume == 1_999)
    }

    @Test("the values are there after the database is opened again")
    func reopen() throws {
        do {
            let store = try KeyValueStore(database: Database(path: path))
            try store.set("kept", [1, 2, 3])
        }
        let store = try KeyValueStore(database: Database(path: path))
        #expect(try store.get("kept", as: [Int].self) == [1, 2, 3])
    }
}
