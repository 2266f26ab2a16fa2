@_spi(Neko) import NekoCore
import NekoSQLite
import Synchronization

extension PluginContext {
    /// The plugin's own SQLite database, `data.db` in its data folder (by
    /// default beside `plugin.toml`), opened on first use in WAL mode with a
    /// busy timeout. Use bound parameters, never string interpolation:
    ///
    /// ```swift
    /// let db = try context.database()
    /// try db.execute("CREATE TABLE IF NOT EXISTS records (key TEXT UNIQUE, value TEXT)")
    /// try db.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", .text(key), .text(value))
    /// ```
    /// - Throws: a `DatabaseError` naming the file and the cause.
    public func database() throws -> Database {
        try storage.withLock { storage in
            if let database = storage.database { return database }
            let database = try Database(path: dataFolder.appending(path: "data.db").path)
            storage.database = database
            return database
        }
    }

    /// A key-value store in the plugin's database (table `neko_kv`): Codable
    /// values by string key.
    ///
    /// ```swift
    /// try context.store().set("greeting", Greeting(text: "hi"))
    /// let greeting = try context.store().get("greeting", as: Greeting.self)
    /// ```
    public func store() throws -> KeyValueStore {
        let database = try database()
        return try storage.withLock { storage in
            if let store = storage.store { return store }
            let store = try KeyValueStore(database: database, coder: NekoValueCoder())
            storage.store = store
            return store
        }
    }
}

/// The plugin's database and store, opened on first use.
struct PluginStorage: Sendable {
    var database: Database?
    var store: KeyValueStore?
}

/// Stores values as JSON with NekoCore's codec.
struct NekoValueCoder: ValueCoder {
    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        try NekoJSONEncoder().encode(value)
    }

    func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws -> T {
        try NekoJSONDecoder().decode(type, from: bytes)
    }
}
