import Glibc
import Synchronization

/// An SQLite database file, safe to share between tasks and threads.
///
/// ```swift
/// let db = try Database(path: "\(pluginFolder)/data.db")
/// try db.execute("""
///     CREATE TABLE IF NOT EXISTS records (
///         id INTEGER PRIMARY KEY AUTOINCREMENT,
///         key TEXT UNIQUE,
///         value TEXT,
///         created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
///     )
///     """)
/// try db.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", .text(key), .text(value))
/// let value = try db.query("SELECT value FROM records WHERE key = ?", .text(key)).first?.string("value")
/// ```
///
/// ## One writer connection, one caller at a time
///
/// A database holds one SQLite connection behind a `Mutex`: each call takes
/// the lock, runs its statement to the end, and lets go, so calls from many
/// tasks are serialized, never interleaved. SQLite's own locking is turned off
/// (`SQLITE_OPEN_NOMUTEX`) as the lock makes it redundant. Calls block the
/// calling thread for as long as the statement runs (and while another caller
/// holds the lock), which for a plugin's small statements is microseconds;
/// keep long batch work in one ``transaction(_:)``.
///
/// A ``KeyValueStore`` on the database goes further, so that many callers
/// get more done than one: its writes from concurrent callers are committed
/// together in one transaction (`CommitQueue`), and its reads run on a small
/// pool of read-only connections beside the writer (`ReaderPool`; WAL lets
/// them read while it writes). A file database only: `:memory:` has one connection.
///
/// Other processes (or other `Database` values on the same file) may use the
/// file too; SQLite's file locks keep them apart, and a caller waits up to the
/// busy timeout for a lock another connection holds before it throws
/// ``ResultCode/busy``.
///
/// ## Durability
///
/// The file is set to `journal_mode=WAL` and `synchronous=NORMAL`. A
/// statement outside a transaction, or a ``transaction(_:)``, is committed
/// when the call returns: its pages are written to the `-wal` file before
/// `COMMIT` returns, so it survives the process being killed (`kill -9`, a
/// crash) at any moment. What `NORMAL` gives up against `FULL` is the `fsync`
/// at each commit: on a power loss or a kernel crash the last commits before
/// it can be lost (the file stays consistent). For a plugin's data that is
/// the right trade, as a commit then costs a `write`, not a disk flush. A
/// plugin that must not lose a commit even to a power cut can run
/// `try db.execute("PRAGMA synchronous=FULL")` after opening.
///
/// Foreign keys are enforced (`PRAGMA foreign_keys=ON`).
///
/// ## Parameters
///
/// Values go in as bound parameters, `?` in the SQL and one ``SQLValue`` each
/// after it, never by string interpolation, so quotes in a value cannot
/// change the statement. Statements are prepared once and cached by their SQL
/// text, so keep the text fixed and vary the parameters.
///
/// ## Lifetime
///
/// The connection closes when the database is released (`deinit`) or on
/// ``close()``; cached statements are finalized first, and the WAL is
/// checkpointed into the main file.
public final class Database: Sendable {
    /// The database file, as given to ``init(path:busyTimeout:)``, e.g. `/srv/plugins/p/data.db`.
    public let path: String
    /// The connection; only ever touched under this lock.
    private let connection: Mutex<Connection>
    /// The row ID and change count, readable without the lock.
    private let counters: Counters
    /// Read-only connections for the key-value store's reads; `nil` for `:memory:`.
    private let readers: ReaderPool?
    /// Groups the key-value store's concurrent writes into one commit.
    private let commits = CommitQueue()
    /// The `pthread_self()` of the thread running a transaction body now, or 0.
    /// Lets a call from inside the body throw instead of deadlocking on the lock.
    private let transactionThread = Atomic<UInt>(0)

    /// Opens the SQLite database at `path`, creating the file if it does not exist.
    ///
    /// The folder must exist. The file is set up as the type's documentation
    /// says: WAL journal, `synchronous=NORMAL`, foreign keys on.
    ///
    /// - Parameters:
    ///   - path: The database file, e.g. `/srv/plugins/p/data.db`. `:memory:`
    ///     opens a private in-memory database (it has no WAL).
    ///   - busyTimeout: How long a call waits for a lock held by another
    ///     connection to the file before it throws ``ResultCode/busy``. 5 seconds by default.
    /// - Throws: ``DatabaseError`` naming the file and the cause, e.g.
    ///   `unable to open database file: the folder /srv/plugins/p does not exist`
    ///   or `...: permission denied`.
    public init(path: String, busyTimeout: Duration = .seconds(5)) throws(DatabaseError) {
        let counters = Counters()
        self.path = path
        self.counters = counters
        connection = Mutex(try Connection(path: path, busyTimeout: busyTimeout, counters: counters))
        let inMemory = path.isEmpty || path == ":memory:" || path.hasPrefix("file::memory:") || path.contains("mode=memory")
        readers = inMemory ? nil : ReaderPool(path: path, busyTimeout: busyTimeout)
    }

    deinit {
        // The readers first, so that the writer closes last and checkpoints the WAL.
        readers?.close()
    }

    // MARK: - Statements

    /// Runs one statement, with a value bound to each `?` in it.
    ///
    /// ```swift
    /// try db.execute("INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)", "a", "b")
    /// ```
    ///
    /// Rows the statement produces are ignored. Without parameters, `sql` may
    /// hold several statements separated by `;` (a schema, say); they run in turn.
    ///
    /// - Throws: ``DatabaseError``, e.g. `UNIQUE constraint failed: records.key`;
    ///   ``ResultCode/range`` if the number of values is not the number of `?`.
    public func execute(_ sql: String, _ parameters: SQLValue...) throws(DatabaseError) {
        try execute(sql, parameters)
    }

    /// Runs one statement with its parameters given as an array.
    ///
    /// The same as `execute(_:_:)`, for parameters built at run time.
    public func execute(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) {
        try checkNotInTransactionBody(sql: sql)
        _ = try connection.withLock { connection throws(DatabaseError) in
            try connection.execute(sql, parameters)
        }
    }

    /// Runs one statement and returns how many rows it changed, read under the
    /// same lock (so no other caller's statement can come between).
    func executeCountingChanges(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> Int {
        try checkNotInTransactionBody(sql: sql)
        return try connection.withLock { connection throws(DatabaseError) in
            try connection.execute(sql, parameters)
        }
    }

    /// Runs one write statement grouped with those of other threads calling
    /// now, in one transaction (see `CommitQueue`); returns once it committed.
    func executeGrouped(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) {
        try checkNotInTransactionBody(sql: sql)
        try commits.execute(sql, parameters) { group in
            connection.withLock { connection in Self.run(group, on: connection) }
        }
    }

    /// Runs a group of statements on the writer: alone in autocommit mode, or
    /// several in one `BEGIN IMMEDIATE ... COMMIT`. Sets each request's error.
    private static func run(_ group: [CommitQueue.Request], on connection: Connection) {
        // One statement, or a transaction the caller opened with its own SQL: no group transaction.
        guard group.count > 1, connection.isAutocommit else {
            for request in group {
                do throws(DatabaseError) { try connection.execute(request.sql, request.parameters) } catch { request.error = error }
            }
            return
        }
        do throws(DatabaseError) {
            try connection.execute("BEGIN IMMEDIATE", [])
        } catch {
            for request in group { request.error = error }
            return
        }
        for request in group {
            do throws(DatabaseError) {
                try connection.execute(request.sql, request.parameters)
            } catch {
                request.error = error
                // A failure that ended the transaction (a full disk, say) undid the whole group.
                if connection.isAutocommit {
                    for other in group where other.error == nil { other.error = error }
                    return
                }
            }
        }
        do throws(DatabaseError) {
            try connection.execute("COMMIT", [])
        } catch {
            if !connection.isAutocommit { _ = try? connection.execute("ROLLBACK", []) }
            for request in group { request.error = error }
        }
    }

    /// Runs a read-only statement on a reader connection (the writer for
    /// `:memory:`) and returns the first column of its first row.
    func scalarOnReader(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> SQLValue? {
        guard let readers else { return try scalar(sql, parameters) }
        try checkNotInTransactionBody(sql: sql)
        return try readers.scalar(sql, parameters)
    }

    /// Runs a read-only statement on a reader connection (the writer for
    /// `:memory:`) and returns every row.
    func queryOnReader(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> [Row] {
        guard let readers else { return try query(sql, parameters) }
        try checkNotInTransactionBody(sql: sql)
        return try readers.query(sql, parameters)
    }

    /// Runs one statement and returns every row it produces.
    ///
    /// ```swift
    /// let rows = try db.query("SELECT key, value FROM records WHERE key LIKE ?", "user.%")
    /// let keys = rows.compactMap { $0.string("key") }
    /// ```
    ///
    /// - Throws: ``DatabaseError``, e.g. `no such column: valu`.
    public func query(_ sql: String, _ parameters: SQLValue...) throws(DatabaseError) -> [Row] {
        try query(sql, parameters)
    }

    /// Runs one statement with its parameters given as an array, and returns every row.
    public func query(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> [Row] {
        try checkNotInTransactionBody(sql: sql)
        return try connection.withLock { connection throws(DatabaseError) in
            try connection.query(sql, parameters)
        }
    }

    /// Runs one statement and returns the first column of its first row, or
    /// `nil` when it gives no rows.
    ///
    /// ```swift
    /// let count = try db.scalar("SELECT count(*) FROM records")?.intValue ?? 0
    /// ```
    public func scalar(_ sql: String, _ parameters: SQLValue...) throws(DatabaseError) -> SQLValue? {
        try scalar(sql, parameters)
    }

    /// Runs one statement with its parameters given as an array, and returns
    /// the first column of its first row.
    public func scalar(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> SQLValue? {
        try checkNotInTransactionBody(sql: sql)
        return try connection.withLock { connection throws(DatabaseError) in
            try connection.scalar(sql, parameters)
        }
    }

    /// The row ID of the latest successful `INSERT` through this database, by any caller.
    ///
    /// With other tasks writing, another insert may land between yours and
    /// this read: read ``Transaction/lastInsertRowID`` inside a transaction,
    /// or use `INSERT ... RETURNING id` with `scalar(_:_:)`.
    public var lastInsertRowID: Int64 {
        counters.lastInsertRowID.load(ordering: .relaxed)
    }

    /// How many rows the latest `INSERT`, `UPDATE` or `DELETE` through this
    /// database changed, by any caller (as ``lastInsertRowID``, read it inside
    /// a transaction when others write too).
    public var changes: Int {
        counters.changes.load(ordering: .relaxed)
    }

    // MARK: - Transactions

    /// Runs `body` in one transaction: all its statements commit together,
    /// or none do.
    ///
    /// ```swift
    /// let id = try db.transaction { transaction in
    ///     try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "a", "1")
    ///     try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "b", "2")
    ///     return transaction.lastInsertRowID
    /// }
    /// ```
    ///
    /// It begins with `BEGIN IMMEDIATE` (taking the write lock at once, so
    /// the commit cannot fail on a lock another connection took meanwhile),
    /// commits when `body` returns, and rolls back when `body` throws, then
    /// throws that error. When the call returns, the transaction is durable as
    /// the type's documentation says.
    ///
    /// The database stays locked while `body` runs: run statements through
    /// the `transaction` it is given. A call on the database itself from
    /// inside `body` throws a misuse error (it would otherwise wait for the
    /// lock `body` holds, forever). Keep `body` short and synchronous; do not
    /// keep the `transaction` after `body` returns (its calls then throw).
    ///
    /// - Throws: The error `body` throws, or a ``DatabaseError`` from `BEGIN` or `COMMIT`.
    public func transaction<T>(_ body: (Transaction) throws -> T) throws -> T {
        try checkNotInTransactionBody(sql: "BEGIN IMMEDIATE")
        return try connection.withLock { connection throws -> T in
            try connection.execute("BEGIN IMMEDIATE", [])
            connection.transactionSerial &+= 1
            let serial = connection.transactionSerial
            connection.activeTransaction = serial
            transactionThread.store(pthread_self(), ordering: .relaxed)
            defer {
                transactionThread.store(0, ordering: .relaxed)
                connection.activeTransaction = nil
            }
            let result: T
            do {
                // The handle refers to the connection held under the lock here; its
                // calls check that they run on this thread, inside this very body.
                let handle = Transaction(database: self, connection: connection, serial: serial)
                result = try body(handle)
            } catch {
                // SQLite may have rolled back already (after SQLITE_FULL, say).
                if !connection.isAutocommit {
                    _ = try? connection.execute("ROLLBACK", [])
                }
                throw error
            }
            guard !connection.isAutocommit else {
                throw DatabaseError.misuse("the transaction body ended the transaction itself (COMMIT, ROLLBACK or END); let the body return instead",
                                           sql: "COMMIT", path: path)
            }
            do throws(DatabaseError) {
                try connection.execute("COMMIT", [])
            } catch {
                if !connection.isAutocommit {
                    _ = try? connection.execute("ROLLBACK", [])
                }
                throw error
            }
            return result
        }
    }

    /// Whether the calling thread runs the body of `transaction` number `serial` now.
    ///
    /// Only the thread that holds the lock can see its own id in
    /// `transactionThread`, so when that matches, reading the connection's
    /// `activeTransaction` is safe.
    func isRunningTransaction(_ serial: UInt64, of connection: Connection) -> Bool {
        transactionThread.load(ordering: .relaxed) == pthread_self() && connection.activeTransaction == serial
    }

    /// The row ID and change count a ``Transaction`` reads.
    var sharedCounters: Counters {
        counters
    }

    /// Throws a misuse error when called from inside a transaction body on
    /// this database, rather than waiting forever for the lock the body holds.
    private func checkNotInTransactionBody(sql: String?) throws(DatabaseError) {
        if transactionThread.load(ordering: .relaxed) == pthread_self() {
            throw .misuse("the database was called from inside its own transaction body; use the transaction handle the body receives",
                          sql: sql, path: path)
        }
    }

    // MARK: - Closing

    /// Closes the connection now, rather than when the database is released.
    ///
    /// Cached statements are finalized and the WAL is checkpointed into the
    /// database file. Calls after this throw ``ResultCode/misuse``; closing twice does nothing.
    ///
    /// - Throws: ``ResultCode/misuse`` when called from inside a transaction body.
    public func close() throws(DatabaseError) {
        try checkNotInTransactionBody(sql: nil)
        readers?.close()
        connection.withLock { $0.close() }
    }
}
