import Glibc

/// A persistent dictionary of `Codable` values, in a table of a ``Database``.
///
/// ```swift
/// let store = try KeyValueStore(database: Database(path: "\(pluginFolder)/data.db"))
/// try store.set("settings", Settings(volume: 3))
/// let settings = try store.get("settings", as: Settings.self)   // Settings?
/// let userKeys = try store.keys(prefix: "user.")                // sorted
/// ```
///
/// Values are stored in the table
/// `neko_kv(key TEXT PRIMARY KEY, value BLOB NOT NULL, updated_at INTEGER)`,
/// created if missing, with `value` as the ``ValueCoder``'s bytes (JSON by
/// default) and `updated_at` as the Unix time in seconds of the last ``set(_:_:)``.
/// The table is ordinary SQL: the plugin can read it, join it, or back it up
/// with the rest of its database.
///
/// Each call is one statement, committed when it returns (see ``Database``
/// on durability). It is safe to call from many tasks at once, and more
/// callers get more done than one: values are encoded and decoded outside
/// any lock, concurrent ``set(_:_:)``s are committed together in one
/// transaction (each still returns only once its own value is committed),
/// and reads run on a pool of read-only connections beside the writer. To
/// change several keys atomically, use ``Database/transaction(_:)`` on the
/// same database with your own SQL on `neko_kv`.
public final class KeyValueStore: Sendable {
    /// The database holding the `neko_kv` table.
    public let database: Database
    /// Turns values into the bytes of the `value` column and back.
    private let coder: any ValueCoder

    /// Opens the store in `database`, creating its `neko_kv` table if missing.
    ///
    /// - Parameters:
    ///   - database: The database to keep the values in; it may hold the
    ///     plugin's other tables too.
    ///   - coder: How values become bytes; JSON via `JSONEncoder` by default.
    public init(database: Database, coder: any ValueCoder = JSONValueCoder()) throws(DatabaseError) {
        self.database = database
        self.coder = coder
        try database.execute("""
            CREATE TABLE IF NOT EXISTS neko_kv (
                key TEXT PRIMARY KEY,
                value BLOB NOT NULL,
                updated_at INTEGER
            )
            """)
    }

    // MARK: - Values

    /// Stores `value` under `key`, replacing any value there.
    ///
    /// - Throws: ``KeyValueStoreError`` if the value cannot be encoded (a
    ///   `Double.nan` in JSON, say); ``DatabaseError`` if it cannot be stored.
    public func set(_ key: String, _ value: some Encodable) throws {
        let bytes: [UInt8]
        do {
            bytes = try coder.encode(value)
        } catch {
            throw KeyValueStoreError(operation: .encode, key: key, type: type(of: value), error: error)
        }
        try setData(key, bytes)
    }

    /// The value under `key`, decoded as `type`; `nil` if there is none.
    ///
    /// ```swift
    /// let count = try store.get("count", as: Int.self) ?? 0
    /// let settings: Settings? = try store.get("settings")
    /// ```
    ///
    /// - Throws: ``KeyValueStoreError`` if the stored value does not decode
    ///   as `type` (`cannot decode the value of key 'count' as Int: ...`);
    ///   ``DatabaseError`` if it cannot be read.
    public func get<T: Decodable>(_ key: String, as type: T.Type = T.self) throws -> T? {
        guard let bytes = try getData(key) else { return nil }
        do {
            return try coder.decode(type, from: bytes)
        } catch {
            throw KeyValueStoreError(operation: .decode, key: key, type: type, error: error)
        }
    }

    /// Stores `bytes` under `key` as they are, without the coder, replacing any value there.
    public func setData(_ key: String, _ bytes: [UInt8]) throws(DatabaseError) {
        try database.executeGrouped("""
            INSERT INTO neko_kv (key, value, updated_at) VALUES (?, ?, ?)
            ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
            """, [.text(key), .blob(bytes), .integer(Int64(time(nil)))])
    }

    /// The bytes stored under `key`, as they are; `nil` if there is none.
    ///
    /// A value written into the table as text or a number by other SQL comes
    /// back as the UTF-8 bytes of its text.
    public func getData(_ key: String) throws(DatabaseError) -> [UInt8]? {
        switch try database.scalarOnReader("SELECT value FROM neko_kv WHERE key = ?", [.text(key)]) {
        case .blob(let bytes): bytes
        case .text(let text): Array(text.utf8)
        case let number?: Array(number.description.utf8)
        case nil: nil
        }
    }

    /// Removes the value under `key`.
    ///
    /// - Returns: Whether there was a value to remove.
    @discardableResult
    public func delete(_ key: String) throws(DatabaseError) -> Bool {
        try database.executeCountingChanges("DELETE FROM neko_kv WHERE key = ?", [.text(key)]) > 0
    }

    /// Whether a value is stored under `key`.
    public func contains(_ key: String) throws(DatabaseError) -> Bool {
        try database.scalarOnReader("SELECT 1 FROM neko_kv WHERE key = ?", [.text(key)]) != nil
    }

    // MARK: - Keys

    /// The keys, sorted by their UTF-8 bytes (SQLite's `BINARY` order), or
    /// only those that start with `prefix`.
    ///
    /// ```swift
    /// try store.keys(prefix: "user.")   // ["user.alice", "user.bob"]
    /// ```
    ///
    /// The prefix is matched exactly (case-sensitive, no wildcards), as a
    /// range of the primary key, so it reads only the matching keys.
    public func keys(prefix: String? = nil) throws(DatabaseError) -> [String] {
        let rows: [Row]
        if let prefix, !prefix.isEmpty {
            if let end = Self.firstString(after: prefix) {
                rows = try database.queryOnReader("SELECT key FROM neko_kv WHERE key >= ? AND key < ? ORDER BY key",
                                                  [.text(prefix), .text(end)])
            } else {
                rows = try database.queryOnReader("SELECT key FROM neko_kv WHERE key >= ? ORDER BY key", [.text(prefix)])
            }
        } else {
            rows = try database.queryOnReader("SELECT key FROM neko_kv ORDER BY key", [])
        }
        return rows.compactMap { $0[0].stringValue }
    }

    /// How many values are stored.
    public var count: Int {
        get throws(DatabaseError) {
            try database.scalarOnReader("SELECT count(*) FROM neko_kv", [])?.intValue ?? 0
        }
    }

    /// The smallest string greater than every string that starts with
    /// `prefix`: `prefix` with its last character moved one code point up
    /// (`"user."` -> `"user/"`). `nil` when there is none (all of `prefix` is
    /// U+10FFFF).
    ///
    /// In valid UTF-8, byte order is code point order, so `[prefix, end)` in
    /// SQLite's `BINARY` collation is exactly the strings starting with `prefix`.
    static func firstString(after prefix: String) -> String? {
        var scalars = Array(prefix.unicodeScalars)
        while let last = scalars.popLast() {
            var next = last.value + 1
            if (0xD800...0xDFFF).contains(next) { next = 0xE000 }  // Skip the surrogates, which are not scalars.
            if let scalar = Unicode.Scalar(next) {
                scalars.append(scalar)
                var end = String.UnicodeScalarView()
                end.append(contentsOf: scalars)
                return String(end)
            }
        }
        return nil
    }
}
