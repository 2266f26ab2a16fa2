import NekoPlugin

/// The seed's `save`, with `get` and `list`: one table in the plugin's own
/// database (`data.db` beside plugin.toml), bound parameters only.
struct Persistent: Plugin {
    static let entries = [
        Entry("save", description: "Saves `value` under `key` (replacing it).", hints: [.destructive, .idempotent], Persistent.save),
        Entry("get", description: "The record saved under `key`.", hints: [.readOnly, .idempotent], Persistent.get),
        Entry("list", description: "Every record, by key.", hints: [.readOnly, .idempotent], Persistent.list),
    ]
    struct Record: Codable {
        var key, value: String, created_at: String?
        init(_ row: Row) { (key, value, created_at) = (row.string("key") ?? "", row.string("value") ?? "", row.string("created_at")) }
    }
    struct Key: Decodable { var key: String }
    let database: Database

    init(context: PluginContext) throws {
        database = try context.database()
        try database.execute("""
            CREATE TABLE IF NOT EXISTS records (
                id INTEGER PRIMARY KEY AUTOINCREMENT,
                key TEXT UNIQUE,
                value TEXT,
                created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
            )
            """)
    }

    func save(_ record: Record) throws -> [String: Bool] {
        try database.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", .text(record.key), .text(record.value))
        return ["saved": true]
    }

    func get(_ key: Key) throws -> Record {
        let rows = try database.query("SELECT key, value, created_at FROM records WHERE key = ?", .text(key.key))
        guard let row = rows.first else { throw CallError.notFound("no record with key '\(key.key)'") }
        return Record(row)
    }

    func list() throws -> [String: [Record]] {
        ["records": try database.query("SELECT key, value, created_at FROM records ORDER BY key").map(Record.init)]
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Persistent.self) }
