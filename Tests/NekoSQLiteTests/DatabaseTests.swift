import NekoSQLite
import Testing

@Suite("Database")
struct DatabaseTests {
    let folder: TemporaryFolder
    let path: String

    init() throws {
        folder = try TemporaryFolder()
        path = folder.file("data.db")
    }

    @Test("opens in WAL mode with synchronous=NORMAL, foreign keys on and the busy timeout set")
    func pragmas() throws {
        let db = try Database(path: path)
        #expect(try db.scalar("PRAGMA journal_mode") == "wal")
        #expect(try db.scalar("PRAGMA synchronous") == 1)  // 1 is NORMAL.
        #expect(try db.scalar("PRAGMA foreign_keys") == 1)
        #expect(try db.scalar("PRAGMA busy_timeout") == 5000)

        let patient = try Database(path: folder.file("patient.db"), busyTimeout: .milliseconds(1500))
        #expect(try patient.scalar("PRAGMA busy_timeout") == 1500)
    }

    @Test("the seed's records table: INSERT OR REPLACE with bound parameters")
    func seedRecords() throws {
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        let save = "INSERT OR REPLACE INTO records (key, value) VALUES (?, ?)"

        try db.execute(save, "greeting", "hello")
        let quoted = #"it's "quoted"'); DROP TABLE records; --"#
        let unicode = "猫のデータ 🐈‍⬛ — naïve café"
        try db.execute(save, .text("quote"), .text(quoted))
        try db.execute(save, .text("unicode"), .text(unicode))
        try db.execute(save, "greeting", "hello again")  // Replaces the first row.

        let rows = try db.query("SELECT id, key, value, created_at FROM records ORDER BY key")
        #expect(rows.map { $0.string("key") } == ["greeting", "quote", "unicode"])
        #expect(rows[0].string("value") == "hello again")
        #expect(rows[1].string("value") == quoted)
        #expect(rows[2].string("value") == unicode)
        #expect(rows[2].int("id") == 3)
        #expect(rows[0].int("id") == 4)  // REPLACE deletes the old row and inserts a new one.
        #expect(rows[0].string("created_at")?.count == 19)  // "YYYY-MM-DD HH:MM:SS"
        #expect(try db.scalar("SELECT count(*) FROM records") == 3)
        #expect(try db.scalar("SELECT value FROM records WHERE key = ?", "unicode")?.stringValue == unicode)
        #expect(try db.scalar("SELECT value FROM records WHERE key = ?", "missing") == nil)
    }

    @Test("a UNIQUE violation names records.key, the file and the statement")
    func uniqueViolation() throws {
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        let insert = "INSERT INTO records (key, value) VALUES (?, ?)"
        try db.execute(insert, "a", "1")

        let error = #expect(throws: DatabaseError.self) {
            try db.execute(insert, "a", "2")
        }
        #expect(error?.code == .constraint)
        #expect(error?.extendedCode == .constraintUnique)
        #expect(error?.message == "UNIQUE constraint failed: records.key")
        #expect(error?.sql == insert)
        #expect(error?.path == path)
        #expect(error?.description == "\(path): UNIQUE constraint failed: records.key (in: \(insert))")
        #expect(try db.scalar("SELECT value FROM records WHERE key = 'a'") == "1")
    }

    @Test("values of every storage class round-trip, including empty text and blobs")
    func valuesRoundTrip() throws {
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (v)")
        let values: [SQLValue] = [
            nil, 0, -42, .integer(.max), .integer(.min), 1.5, -0.25, "", "text", .blob([]), .blob([0, 1, 255]), true, false,
        ]
        for value in values {
            try db.execute("INSERT INTO t (v) VALUES (?)", value)
        }
        let read = try db.query("SELECT v FROM t ORDER BY rowid").map { $0[0] }
        #expect(read == values)
        #expect(values[11] == .integer(1) && values[12] == .integer(0))  // Booleans are stored as integers.
        #expect(try db.scalar("SELECT typeof(v) FROM t WHERE rowid = 10") == "blob")  // The empty blob stays a blob.
        #expect(try db.scalar("SELECT typeof(v) FROM t WHERE rowid = 8") == "text")  // The empty string stays text.
    }

    @Test("rows answer by name and position, with typed accessors")
    func rowAccess() throws {
        let db = try Database(path: path)
        let row = try #require(try db.query("SELECT 7 AS n, 2.5 AS x, 'hi' AS s, x'0102' AS b, NULL AS z").first)
        #expect(row.columns == ["n", "x", "s", "b", "z"])
        #expect(row.int("n") == 7)
        #expect(row.double("x") == 2.5)
        #expect(row.double("n") == 7)  // Whole numbers come back as integers; double accepts them.
        #expect(row.string("s") == "hi")
        #expect(row.blob("b") == [1, 2])
        #expect(row["z"] == .null)
        #expect(row.string("z") == nil)
        #expect(row["missing"] == nil)
        #expect(row[2] == "hi")
        #expect(row.int("s") == nil)  // No conversion between storage classes.
    }

    @Test("lastInsertRowID and changes follow the latest statement")
    func rowIDAndChanges() throws {
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        try db.execute("INSERT INTO records (key) VALUES (?)", "a")
        try db.execute("INSERT INTO records (key) VALUES (?)", "b")
        #expect(db.lastInsertRowID == 2)
        try db.execute("UPDATE records SET value = ?", "v")
        #expect(db.changes == 2)
    }

    @Test("execute runs several statements without parameters, and refuses to bind to several")
    func severalStatements() throws {
        let db = try Database(path: path)
        try db.execute("""
            CREATE TABLE a (x); -- a comment
            CREATE TABLE b (y);
            INSERT INTO a VALUES (1);
            /* trailing comment */
            """)
        #expect(try db.scalar("SELECT x FROM a") == 1)
        #expect(try db.scalar("SELECT count(*) FROM b") == 0)

        let error = #expect(throws: DatabaseError.self) {
            try db.execute("INSERT INTO a VALUES (?); INSERT INTO b VALUES (?)", 1, 2)
        }
        #expect(error?.code == .misuse)
        #expect(throws: DatabaseError.self) { try db.query("SELECT 1; SELECT 2") }
    }

    @Test("a wrong number of values or a bad statement names the statement")
    func statementErrors() throws {
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        let wrongCount = #expect(throws: DatabaseError.self) {
            try db.execute("INSERT INTO records (key, value) VALUES (?, ?)", "only one")
        }
        #expect(wrongCount?.code == .range)
        #expect(wrongCount?.message == "the statement has 2 parameters but 1 value was given")

        let typo = #expect(throws: DatabaseError.self) {
            try db.query("SELECT valu FROM records")
        }
        #expect(typo?.description == "\(path): no such column: valu (in: SELECT valu FROM records)")
    }

    @Test("a transaction commits when its body returns")
    func transactionCommits() throws {
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        let id = try db.transaction { transaction in
            try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "a", "1")
            try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "b", "2")
            #expect(try transaction.scalar("SELECT count(*) FROM records") == 2)  // Sees its own changes.
            return transaction.lastInsertRowID
        }
        #expect(id == 2)
        #expect(try db.scalar("SELECT count(*) FROM records") == 2)
        #expect(try db.scalar("PRAGMA main.journal_mode") == "wal")
    }

    @Test("a transaction rolls back when its body throws, and rethrows the error")
    func transactionRollsBack() throws {
        struct Abandon: Error {}
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        try db.execute("INSERT INTO records (key, value) VALUES (?, ?)", "kept", "0")

        #expect(throws: Abandon.self) {
            try db.transaction { transaction in
                try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "a", "1")
                try transaction.execute("DELETE FROM records WHERE key = ?", "kept")
                throw Abandon()
            }
        }
        // A failing statement inside rolls back the statements before it, too.
        #expect(throws: DatabaseError.self) {
            try db.transaction { transaction in
                try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "b", "1")
                try transaction.execute("INSERT INTO records (key, value) VALUES (?, ?)", "kept", "dup")
            }
        }
        #expect(try db.query("SELECT key FROM records").map { $0.string("key") } == ["kept"])
        // The database is usable again: no transaction was left open.
        try db.transaction { transaction in
            try transaction.execute("INSERT INTO records (key) VALUES (?)", "after")
        }
        #expect(try db.scalar("SELECT count(*) FROM records") == 2)
    }

    @Test("calling the database inside its own transaction body throws instead of deadlocking")
    func reentrantCallThrows() throws {
        let db = try Database(path: path)
        try db.execute(recordsSchema)
        var escaped: Transaction?
        try db.transaction { transaction in
            let error = #expect(throws: DatabaseError.self) {
                try db.execute("INSERT INTO records (key) VALUES (?)", "inner")
            }
            #expect(error?.code == .misuse)
            #expect(throws: DatabaseError.self) { try db.transaction { _ in } }
            escaped = transaction
        }
        // A handle kept after its body returned refuses to run statements.
        let late = #expect(throws: DatabaseError.self) {
            try escaped?.execute("INSERT INTO records (key) VALUES (?)", "late")
        }
        #expect(late?.code == .misuse)
        #expect(try db.scalar("SELECT count(*) FROM records") == 0)
    }

    @Test("a transaction body that commits by itself is reported, not left half done")
    func bodyEndingTransaction() throws {
        let db = try Database(path: path)
        let error = #expect(throws: DatabaseError.self) {
            try db.transaction { transaction in
                try transaction.execute("COMMIT")
            }
        }
        #expect(error?.code == .misuse)
        try db.transaction { transaction in try transaction.execute("CREATE TABLE t (x)") }
    }

    @Test("data is there after the database is closed and opened again")
    func reopen() throws {
        do {
            let db = try Database(path: path)
            try db.execute(recordsSchema)
            try db.execute("INSERT INTO records (key, value) VALUES (?, ?)", "a", "kept")
            try db.close()
            let closed = #expect(throws: DatabaseError.self) { try db.query("SELECT 1") }
            #expect(closed?.message == "the database is closed")
        }
        do {
            let db = try Database(path: path)
            try db.execute("INSERT INTO records (key, value) VALUES (?, ?)", "b", "also kept")
            // Released without close(): deinit closes.
        }
        let db = try Database(path: path)
        #expect(try db.query("SELECT value FROM records ORDER BY id").map { $0.string("value") } == ["kept", "also kept"])
        #expect(try db.scalar("PRAGMA integrity_check") == "ok")
    }

    @Test("more distinct statements than the cache holds still run correctly")
    func statementCacheEviction() throws {
        let db = try Database(path: path)
        try db.execute("CREATE TABLE t (n INTEGER)")
        for round in 0..<2 {
            for n in 0..<100 {
                try db.execute("INSERT INTO t (n) VALUES (? + \(n))", .integer(Int64(round * 1000)))
            }
        }
        #expect(try db.scalar("SELECT count(*) FROM t") == 200)
        #expect(try db.scalar("SELECT sum(n) FROM t") == .integer(2 * 4950 + 100 * 1000))
    }
}
