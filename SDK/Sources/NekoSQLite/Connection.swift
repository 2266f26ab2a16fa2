import CSQLite
import Glibc
import Synchronization

/// The one `sqlite3` connection behind a ``Database``, and its prepared statements.
///
/// Not thread-safe, on purpose: a ``Database`` keeps its connection inside a
/// `Mutex` and touches it only under the lock, so the handle is opened with
/// `SQLITE_OPEN_NOMUTEX` (SQLite's own per-call locking off).
///
/// Ownership: the connection owns `handle` and every statement in
/// `statements`. ``close()`` (or `deinit`) finalizes the statements, then
/// closes the handle; both pointers die there and are never handed out.
final class Connection {
    /// The database file, as given to ``Database/init(path:busyTimeout:)``.
    let path: String
    /// The open connection; `nil` once closed.
    private var handle: OpaquePointer?
    /// Prepared statements by SQL text, at most ``statementCacheCapacity``.
    private var statements: [String: CachedStatement] = [:]
    /// Counts statement uses, to find the least recently used statement.
    private var useClock: UInt64 = 0
    /// The last row ID and change count, published for readers outside the lock.
    private let counters: Counters
    /// The serial number of the transaction whose body runs now, if any.
    var activeTransaction: UInt64?
    /// The serial number of the last transaction begun.
    var transactionSerial: UInt64 = 0

    /// How many prepared statements stay cached; the least recently used one
    /// is finalized to make room. Plugins run a handful of fixed statements,
    /// so this is seldom reached.
    static let statementCacheCapacity = 64

    /// Opens or creates the file at `path` and sets it up for a plugin's use:
    /// WAL journal, `synchronous=NORMAL`, foreign keys on, and the busy timeout.
    ///
    /// With `readerOnly`, it opens a file that the writer connection has
    /// already set up (no `CREATE`), for reading only (`query_only`): one of
    /// a ``ReaderPool``'s connections.
    init(path: String, busyTimeout: Duration, counters: Counters, readerOnly: Bool = false) throws(DatabaseError) {
        self.path = path
        self.counters = counters
        var opened: OpaquePointer?
        let flags = readerOnly
            ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX
            : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let result = sqlite3_open_v2(path, &opened, flags, nil)
        guard result == SQLITE_OK, let opened else {
            let error = DatabaseError(openingFile: path, connection: opened, resultCode: result)
            sqlite3_close_v2(opened)
            throw error
        }
        handle = opened
        // Denied writing, SQLite opens the file read-only without a word; say so now.
        guard sqlite3_db_readonly(opened, "main") != 1 else {
            close()
            throw DatabaseError(readOnlyFile: path)
        }
        sqlite3_extended_result_codes(opened, 1)
        sqlite3_busy_timeout(opened, Self.milliseconds(busyTimeout))
        do throws(DatabaseError) {
            try executeScript(readerOnly ? "PRAGMA query_only=ON; PRAGMA foreign_keys=ON;" : """
                PRAGMA journal_mode=WAL;
                PRAGMA synchronous=NORMAL;
                PRAGMA foreign_keys=ON;
                """)
        } catch {
            close()
            throw error.explainingSetup()
        }
    }

    deinit {
        close()
    }

    /// Finalizes every cached statement, then closes the connection. Later
    /// calls throw a misuse error; closing twice does nothing.
    func close() {
        for statement in statements.values {
            sqlite3_finalize(statement.handle)
        }
        statements.removeAll()
        if let handle {
            // Every statement is finalized, so this closes now and, as the
            // last connection, checkpoints the WAL into the database file.
            sqlite3_close_v2(handle)
        }
        handle = nil
    }

    /// Whether no transaction is open (SQLite's autocommit mode).
    var isAutocommit: Bool {
        handle.map { sqlite3_get_autocommit($0) != 0 } ?? true
    }

    // MARK: - Running statements

    /// Runs `sql` to completion, ignoring any rows; several statements
    /// separated by `;` run in turn when there are no `parameters`.
    ///
    /// - Returns: How many rows the last `INSERT`, `UPDATE` or `DELETE` changed (`sqlite3_changes64`).
    @discardableResult
    func execute(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> Int {
        let handle = try openHandle(sql: sql)
        switch try statement(for: sql, handle: handle) {
        case .empty:
            break
        case .several:
            guard parameters.isEmpty else {
                throw .misuse("parameters can be bound to only one statement at a time; run the statements one by one",
                              sql: sql, path: path)
            }
            try executeScript(sql)
        case .one(let statement):
            try run(statement, sql: sql, parameters: parameters) { statement throws(DatabaseError) in
                while try step(statement, sql: sql) {}
            }
        }
        return Int(sqlite3_changes64(handle))
    }

    /// Runs `sql` and returns every row it produces.
    func query(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> [Row] {
        let handle = try openHandle(sql: sql)
        switch try statement(for: sql, handle: handle) {
        case .empty:
            return []
        case .several:
            throw .misuse("query runs one statement; use execute for several", sql: sql, path: path)
        case .one(let statement):
            return try run(statement, sql: sql, parameters: parameters) { statement throws(DatabaseError) in
                let columnCount = sqlite3_column_count(statement)
                let columns = (0..<columnCount).map { column in
                    sqlite3_column_name(statement, column).map { String(cString: $0) } ?? ""
                }
                var rows: [Row] = []
                while try step(statement, sql: sql) {
                    let values = (0..<columnCount).map { column in Self.value(of: statement, column: column) }
                    rows.append(Row(columns: columns, values: values))
                }
                return rows
            }
        }
    }

    /// Runs `sql` and returns the first column of its first row, or `nil` if it
    /// gives no rows. Later rows are not produced.
    func scalar(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> SQLValue? {
        let handle = try openHandle(sql: sql)
        switch try statement(for: sql, handle: handle) {
        case .empty:
            return nil
        case .several:
            throw .misuse("scalar runs one statement; use execute for several", sql: sql, path: path)
        case .one(let statement):
            return try run(statement, sql: sql, parameters: parameters) { statement throws(DatabaseError) in
                guard try step(statement, sql: sql), sqlite3_column_count(statement) > 0 else { return nil }
                return Self.value(of: statement, column: 0)
            }
        }
    }

    /// Binds `parameters` to `statement`, runs `body`, then resets the
    /// statement (releasing its read snapshot, so the WAL can be checkpointed)
    /// and publishes the row ID and change count.
    private func run<Value>(
        _ statement: OpaquePointer, sql: String, parameters: [SQLValue],
        _ body: (OpaquePointer) throws(DatabaseError) -> Value
    ) throws(DatabaseError) -> Value {
        defer {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
            publishCounters()
        }
        try bind(parameters, to: statement, sql: sql)
        return try body(statement)
    }

    /// Steps `statement` once: `true` for a row, `false` when it is done.
    private func step(_ statement: OpaquePointer, sql: String) throws(DatabaseError) -> Bool {
        switch sqlite3_step(statement) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw DatabaseError(connection: handle, sql: sql, path: path)
        }
    }

    /// Runs each statement of `sql` in turn, without caching them.
    private func executeScript(_ sql: String) throws(DatabaseError) {
        let handle = try openHandle(sql: sql)
        let failure: DatabaseError? = sql.withCString { start in
            let end = start + strlen(start)
            var cursor = start
            while cursor < end {
                var statement: OpaquePointer?
                var tail: UnsafePointer<CChar>?
                /// The text of the statement at `cursor`: up to `tail` when SQLite set it, or the rest.
                func statementText() -> String {
                    let count = tail.map { $0 > cursor ? $0 - cursor : end - cursor } ?? (end - cursor)
                    return String(decoding: UnsafeRawBufferPointer(start: cursor, count: count), as: UTF8.self)
                }
                guard sqlite3_prepare_v2(handle, cursor, Int32(end - cursor) + 1, &statement, &tail) == SQLITE_OK else {
                    return DatabaseError(connection: handle, sql: statementText(), path: path)
                }
                defer {
                    sqlite3_finalize(statement)
                    publishCounters()
                }
                guard let statement, let tail else { return nil }  // Only comments or spaces were left.
                var result = sqlite3_step(statement)
                while result == SQLITE_ROW {
                    result = sqlite3_step(statement)
                }
                guard result == SQLITE_DONE else {
                    return DatabaseError(connection: handle, sql: statementText(), path: path)
                }
                cursor = tail
            }
            return nil
        }
        if let failure { throw failure }
    }

    /// The handle, or a misuse error naming `sql` if the connection is closed.
    private func openHandle(sql: String) throws(DatabaseError) -> OpaquePointer {
        guard let handle else { throw .misuse("the database is closed", sql: sql, path: path) }
        return handle
    }

    /// Copies the row ID and change count into ``counters``.
    private func publishCounters() {
        guard let handle else { return }
        counters.lastInsertRowID.store(sqlite3_last_insert_rowid(handle), ordering: .relaxed)
        counters.changes.store(Int(sqlite3_changes64(handle)), ordering: .relaxed)
    }

    // MARK: - The statement cache

    /// A prepared statement kept for reuse, and when it was last used.
    private struct CachedStatement {
        let handle: OpaquePointer
        var lastUse: UInt64
    }

    /// What some SQL text prepares to.
    private enum Prepared {
        /// One statement, owned by the cache.
        case one(OpaquePointer)
        /// Nothing: only spaces or comments.
        case empty
        /// More than one statement; nothing is kept.
        case several
    }

    /// The cached statement for `sql`, prepared on first use.
    private func statement(for sql: String, handle: OpaquePointer) throws(DatabaseError) -> Prepared {
        useClock &+= 1
        if let index = statements.index(forKey: sql) {
            statements.values[index].lastUse = useClock
            return .one(statements.values[index].handle)
        }
        let prepared = try prepare(sql, handle: handle)
        if case .one(let statement) = prepared {
            if statements.count >= Self.statementCacheCapacity,
               let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                sqlite3_finalize(oldest.value.handle)
                statements.removeValue(forKey: oldest.key)
            }
            statements[sql] = CachedStatement(handle: statement, lastUse: useClock)
        }
        return prepared
    }

    /// Prepares the first statement of `sql` for keeping, and finds out
    /// whether another statement follows it.
    private func prepare(_ sql: String, handle: OpaquePointer) throws(DatabaseError) -> Prepared {
        let (result, prepared): (Int32, Prepared) = sql.withCString { start in
            let length = Int32(clamping: strlen(start) + 1)
            var statement: OpaquePointer?
            var tail: UnsafePointer<CChar>?
            let flags = UInt32(SQLITE_PREPARE_PERSISTENT)
            let result = sqlite3_prepare_v3(handle, start, length, flags, &statement, &tail)
            guard result == SQLITE_OK else { return (result, .empty) }
            guard let statement else { return (result, .empty) }
            guard let tail, Self.holdsStatement(tail, handle: handle) else { return (result, .one(statement)) }
            sqlite3_finalize(statement)
            return (result, .several)
        }
        guard result == SQLITE_OK else { throw DatabaseError(connection: handle, sql: sql, path: path) }
        return prepared
    }

    /// Whether the C string `text` holds a statement, not just spaces, `;` or comments.
    private static func holdsStatement(_ text: UnsafePointer<CChar>, handle: OpaquePointer) -> Bool {
        var cursor = text
        while cursor.pointee != 0 {
            switch UInt8(bitPattern: cursor.pointee) {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: ";"):
                cursor += 1
            default:
                // Something is there: let SQLite say whether it is a statement.
                var statement: OpaquePointer?
                let result = sqlite3_prepare_v2(handle, cursor, -1, &statement, nil)
                sqlite3_finalize(statement)
                // A syntax error there still means there was more SQL; running
                // it as a script reports the error with that statement's text.
                return result != SQLITE_OK || statement != nil
            }
        }
        return false
    }

    // MARK: - Values

    /// `SQLITE_TRANSIENT`: SQLite copies a bound value before the bind call returns.
    private static var transient: sqlite3_destructor_type {
        unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    }

    /// Binds `parameters` to `statement`'s `?` placeholders, in order.
    private func bind(_ parameters: [SQLValue], to statement: OpaquePointer, sql: String) throws(DatabaseError) {
        let expected = Int(sqlite3_bind_parameter_count(statement))
        guard parameters.count == expected else {
            throw DatabaseError(
                code: .range,
                message: "the statement has \(expected) parameter\(expected == 1 ? "" : "s") but \(parameters.count) value\(parameters.count == 1 ? " was" : "s were") given",
                sql: sql, path: path)
        }
        for (offset, value) in parameters.enumerated() {
            let index = Int32(offset + 1)
            let result: Int32
            switch value {
            case .null:
                result = sqlite3_bind_null(statement, index)
            case .integer(let number):
                result = sqlite3_bind_int64(statement, index, number)
            case .real(let number):
                result = sqlite3_bind_double(statement, index, number)
            case .text(var text):
                result = text.withUTF8 { bytes in
                    // An empty string may have no address, and a nil address would bind NULL.
                    guard let start = bytes.baseAddress else {
                        return sqlite3_bind_text64(statement, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                    }
                    return start.withMemoryRebound(to: CChar.self, capacity: bytes.count) { text in
                        sqlite3_bind_text64(statement, index, text, UInt64(bytes.count), Self.transient, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let bytes):
                result = bytes.withUnsafeBytes { buffer in
                    // A nil address would bind NULL; an empty blob is a zero-length blob.
                    guard let start = buffer.baseAddress else { return sqlite3_bind_zeroblob(statement, index, 0) }
                    return sqlite3_bind_blob64(statement, index, start, UInt64(buffer.count), Self.transient)
                }
            }
            guard result == SQLITE_OK else { throw DatabaseError(connection: handle, sql: sql, path: path) }
        }
    }

    /// Copies the value in `column` of `statement`'s current row.
    private static func value(of statement: OpaquePointer, column: Int32) -> SQLValue {
        switch sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER:
            return .integer(sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT:
            return .real(sqlite3_column_double(statement, column))
        case SQLITE3_TEXT:
            // Ask for the text first, then its length in bytes, as SQLite advises.
            guard let start = sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            guard let start = sqlite3_column_blob(statement, column) else { return .blob([]) }
            let count = Int(sqlite3_column_bytes(statement, column))
            return .blob(Array(UnsafeRawBufferPointer(start: start, count: count)))
        default:
            return .null
        }
    }

    /// `duration` in whole milliseconds, within what `sqlite3_busy_timeout` takes.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let total = seconds.multipliedReportingOverflow(by: 1000)
        guard !total.overflow else { return seconds < 0 ? 0 : Int32.max }
        let milliseconds = total.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !milliseconds.overflow else { return Int32.max }
        return Int32(clamping: max(0, milliseconds.partialValue))
    }
}

/// The last row ID and change count of a connection, readable without its lock.
///
/// Updated under the lock after every statement, so reading them never waits
/// for (or deadlocks with) a transaction in progress.
final class Counters: Sendable {
    /// `sqlite3_last_insert_rowid` after the latest statement.
    let lastInsertRowID = Atomic<Int64>(0)
    /// `sqlite3_changes64` after the latest statement.
    let changes = Atomic<Int>(0)
}
