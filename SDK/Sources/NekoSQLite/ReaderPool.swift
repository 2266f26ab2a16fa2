import Synchronization

/// Connections that only read, so that reads from many threads run side by
/// side instead of queueing behind the one writer connection.
///
/// In WAL mode a reader sees the last committed state of the file as its
/// statement starts, never blocks the writer and is never blocked by it. Each
/// connection sits behind its own lock; a read takes the first free one
/// (`withLockIfAvailable`), opening another up to ``capacity`` when all are
/// busy, and only then waits for one. A statement is reset as soon as it has
/// run, so no reader keeps an old snapshot (which would hold back checkpoints).
///
/// Ownership: the pool owns its connections; they close with the pool.
final class ReaderPool: Sendable {
    /// How many reader connections at most: one per caller a plugin is likely
    /// to run at once (a 2-CPU machine gains nothing from more).
    static let capacity = 4

    private let path: String
    private let busyTimeout: Duration
    /// One connection behind its own lock; `nil` until opened.
    private final class Slot: Sendable {
        let connection = Mutex<Connection?>(nil)
    }

    /// The slots, filled as needed.
    private let slots: [Slot]
    /// Where waiting starts when every connection is busy, spread over the slots.
    private let nextWait = Atomic<Int>(0)
    /// Counters of the readers: they change no rows, so nobody reads these.
    private let counters = Counters()
    /// Set by ``close()``: reads then throw, as on a closed database.
    private let closed = Atomic<Bool>(false)

    /// A pool over the database file at `path`, which the writer has opened.
    init(path: String, busyTimeout: Duration) {
        self.path = path
        self.busyTimeout = busyTimeout
        slots = (0..<Self.capacity).map { _ in Slot() }
    }

    /// Runs `sql` on a free reader connection; returns the first column of its first row.
    func scalar(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> SQLValue? {
        try checkOpen(sql: sql)
        for slot in slots {
            let outcome = slot.connection.withLockIfAvailable { connection -> Result<SQLValue?, DatabaseError> in
                Result { () throws(DatabaseError) in try Self.open(&connection, self).scalar(sql, parameters) }
            }
            if let outcome { return try outcome.get() }
        }
        return try waitingSlot().connection.withLock { connection throws(DatabaseError) in
            try Self.open(&connection, self).scalar(sql, parameters)
        }
    }

    /// Runs `sql` on a free reader connection; returns every row.
    func query(_ sql: String, _ parameters: [SQLValue]) throws(DatabaseError) -> [Row] {
        try checkOpen(sql: sql)
        for slot in slots {
            let outcome = slot.connection.withLockIfAvailable { connection -> Result<[Row], DatabaseError> in
                Result { () throws(DatabaseError) in try Self.open(&connection, self).query(sql, parameters) }
            }
            if let outcome { return try outcome.get() }
        }
        return try waitingSlot().connection.withLock { connection throws(DatabaseError) in
            try Self.open(&connection, self).query(sql, parameters)
        }
    }

    /// Throws as a closed database does, after ``close()``.
    private func checkOpen(sql: String) throws(DatabaseError) {
        guard !closed.load(ordering: .acquiring) else {
            throw .misuse("the database is closed", sql: sql, path: path)
        }
    }

    /// The slot to wait for when every connection is busy, spread over the slots.
    private func waitingSlot() -> Slot {
        slots[nextWait.wrappingAdd(1, ordering: .relaxed).oldValue % slots.count]
    }

    /// The slot's connection, opened now if it has none.
    private static func open(_ connection: inout Connection?, _ pool: ReaderPool) throws(DatabaseError) -> Connection {
        if let connection { return connection }
        let opened = try Connection(path: pool.path, busyTimeout: pool.busyTimeout, counters: pool.counters, readerOnly: true)
        connection = opened
        return opened
    }

    /// Closes every connection; later reads throw a misuse error.
    func close() {
        closed.store(true, ordering: .releasing)
        for slot in slots {
            slot.connection.withLock { connection in
                connection?.close()
                connection = nil
            }
        }
    }
}
