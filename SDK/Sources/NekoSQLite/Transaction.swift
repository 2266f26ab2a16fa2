import Synchronization

/// The handle a ``Database/transaction(_:)`` body runs its statements through.
///
/// ```swift
/// try db.transaction { transaction in
///     try transaction.execute("DELETE FROM records WHERE key = ?", "old")
///     try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "new", "1")
/// }
/// ```
///
/// It runs statements on the connection the body holds locked, so they take
/// no lock of their own. It is valid only inside the body it was given to, on
/// that thread: kept and used afterwards, its calls throw ``ResultCode/misuse``.
/// It cannot be sent to another task.
public struct Transaction {
    /// The database, for its counters and the check that the body still runs.
    private let database: Database
    /// The connection, locked by the database while the body runs.
    private let connection: Connection
    /// Which transaction of the connection this handle belongs to.
    private let serial: UInt64

    init(database: Database, connection: Connection, serial: UInt64) {
        self.database = database
        self.connection = connection
        self.serial = serial
    }

    /// Runs one statement in the transaction, with a value bound to each `?`.
    ///
    /// As `Database.execute(_:_:)`: rows are ignored, and
    /// without parameters `sql` may hold several statements.
    public func execute(_ sql: String, _ parameters: SQLValue...) throws(DatabaseError) {
        try execute(sql, parameters)
    }

    /// Runs one statement in the transaction, with its parameters given as an array.
    public func execute(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) {
        try checkValid(sql: sql)
        try connection.execute(sql, parameters)
    }

    /// Runs one statement in the transaction and returns every row it produces.
    ///
    /// The rows include the transaction's own changes so far.
    public func query(_ sql: String, _ parameters: SQLValue...) throws(DatabaseError) -> [Row] {
        try query(sql, parameters)
    }

    /// Runs one statement in the transaction, with its parameters given as an
    /// array, and returns every row.
    public func query(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> [Row] {
        try checkValid(sql: sql)
        return try connection.query(sql, parameters)
    }

    /// Runs one statement in the transaction and returns the first column of
    /// its first row, or `nil` when it gives no rows.
    public func scalar(_ sql: String, _ parameters: SQLValue...) throws(DatabaseError) -> SQLValue? {
        try scalar(sql, parameters)
    }

    /// Runs one statement in the transaction, with its parameters given as an
    /// array, and returns the first column of its first row.
    public func scalar(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> SQLValue? {
        try checkValid(sql: sql)
        return try connection.scalar(sql, parameters)
    }

    /// The row ID of the latest successful `INSERT` in this transaction (or
    /// before it, if it has inserted nothing yet). No other caller can insert
    /// while the body runs, so this is your row's ID.
    public var lastInsertRowID: Int64 {
        database.sharedCounters.lastInsertRowID.load(ordering: .relaxed)
    }

    /// How many rows the transaction's latest `INSERT`, `UPDATE` or `DELETE` changed.
    public var changes: Int {
        database.sharedCounters.changes.load(ordering: .relaxed)
    }

    /// Throws a misuse error if the body this handle was given to has returned,
    /// or if it is used from another thread.
    private func checkValid(sql: String) throws(DatabaseError) {
        guard database.isRunningTransaction(serial, of: connection) else {
            throw .misuse("the transaction handle was used after its transaction body returned", sql: sql, path: database.path)
        }
    }
}

@available(*, unavailable, message: "a Transaction is valid only inside its body, on its thread")
extension Transaction: Sendable {}
