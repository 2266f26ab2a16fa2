import NekoPlugin

/// The seed's `save`, with `get` and `list`: one table in the plugin's own
/// database, bound parameters only.
final class Persistent: Plugin {
    static let id = "persistent"

    static let entries: [Entry<Persistent>] = [
        Entry("save", description: "Saves `value` under `key` (replacing it).", hints: [.destructive, .idempotent], Persistent.save),
        Entry("get", description: "The record saved under `key`.", hints: [.readOnly, .idempotent], Persistent.get),
        Entry("list", description: "Every record, by key.", hints: [.readOnly, .idempotent], Persistent.list),
    ]

    struct Record: Codable, Sendable {
        var key: String
        var value: String
        var created_at: String?
    }

    struct Key: Codable, Sendable {
        var key: String
    }

    private let database: Database

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
        guard let row = try database.query("SELECT key, value, created_at FROM records WHERE key = ?", .text(key.key)).first else {
            throw CallError.notFound("no record with key '\(key.key)'")
        }
        return Record(key: row.string("key") ?? "", value: row.string("value") ?? "", created_at: row.string("created_at"))
    }

    func list() throws -> [String: [Record]] {
        let rows = try database.query("SELECT key, value, created_at FROM records ORDER BY key")
        return ["records": rows.map { Record(key: $0.string("key") ?? "", value: $0.string("value") ?? "", created_at: $0.string("created_at")) }]
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Persistent.self, host) }
