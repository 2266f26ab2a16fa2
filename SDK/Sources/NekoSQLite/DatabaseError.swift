import CSQLite
import Glibc

/// An error from SQLite, with the file it happened to and the SQL that caused it.
///
/// Its ``description`` reads like SQLite's own messages, prefixed with the
/// database file and followed by the statement:
///
/// ```text
/// /srv/plugins/p/data.db: UNIQUE constraint failed: records.key (in: INSERT INTO records (key, value) VALUES (?, ?))
/// /srv/plugins/p/missing/data.db: unable to open database file: the folder /srv/plugins/p/missing does not exist
/// ```
///
/// Match on ``code`` for the broad kind of failure and on ``extendedCode`` for
/// the detail:
///
/// ```swift
/// do {
///     try db.execute("INSERT INTO records (key, value) VALUES (?, ?)", "a", "b")
/// } catch where error.extendedCode == .constraintUnique {
///     // The key is taken.
/// }
/// ```
public struct DatabaseError: Error, Sendable, CustomStringConvertible {
    /// The primary result code, e.g. ``ResultCode/constraint``.
    public let code: ResultCode
    /// The extended result code, e.g. ``ResultCode/constraintUnique``; the
    /// same as ``code`` when SQLite gives no detail.
    public let extendedCode: ResultCode
    /// What went wrong, as SQLite words it (`sqlite3_errmsg`), e.g.
    /// `UNIQUE constraint failed: records.key`; for a file that cannot be
    /// opened, followed by the cause (`: permission denied`).
    public let message: String
    /// The statement that failed, as it was passed in; `nil` when no
    /// statement was involved (opening the file).
    public let sql: String?
    /// The database file, as it was passed to ``Database/init(path:busyTimeout:)``.
    public let path: String

    /// Makes an error; the SDK and tests may build their own.
    public init(code: ResultCode, extendedCode: ResultCode? = nil, message: String, sql: String? = nil, path: String) {
        self.code = code
        self.extendedCode = extendedCode ?? code
        self.message = message
        self.sql = sql
        self.path = path
    }

    /// `<path>: <message>`, then ` (in: <sql>)` with the statement on one line
    /// and cut to 200 characters.
    public var description: String {
        var text = "\(path): \(message)"
        if let sql {
            text += " (in: \(Self.oneLine(sql)))"
        }
        return text
    }

    /// Folds runs of whitespace to one space and cuts the text to `limit` characters.
    static func oneLine(_ sql: String, limit: Int = 200) -> String {
        var folded = ""
        var pendingSpace = false
        var count = 0
        for character in sql {
            if character.isWhitespace {
                pendingSpace = !folded.isEmpty
                continue
            }
            if pendingSpace {
                folded.append(" ")
                count += 1
                pendingSpace = false
            }
            if count == limit {
                return folded + "..."
            }
            folded.append(character)
            count += 1
        }
        return folded
    }
}

extension DatabaseError {
    /// The error the connection `handle` holds now (`sqlite3_extended_errcode`,
    /// `sqlite3_errmsg`). Call it right after the failing call, still under the lock.
    init(connection handle: OpaquePointer?, sql: String?, path: String) {
        let extended = sqlite3_extended_errcode(handle)
        self.init(
            code: ResultCode(rawValue: extended & 0xFF),
            extendedCode: ResultCode(rawValue: extended),
            message: String(cString: sqlite3_errmsg(handle)),
            sql: sql,
            path: path)
    }

    /// A misuse of this API (not SQLite's), e.g. a statement run on a closed database.
    static func misuse(_ message: String, sql: String? = nil, path: String) -> DatabaseError {
        DatabaseError(code: .misuse, message: message, sql: sql, path: path)
    }

    /// The error for a file `sqlite3_open_v2` could not open, naming the real cause.
    ///
    /// SQLite says only `unable to open database file`; the cause is in the
    /// `errno` of the failed system call (`sqlite3_system_errno`), and a
    /// missing folder is worth saying in words.
    init(openingFile path: String, connection handle: OpaquePointer?, resultCode: Int32) {
        let extended = handle.map { sqlite3_extended_errcode($0) } ?? resultCode
        var message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(resultCode))
        if let cause = Self.openFailureCause(path: path, errno: handle.map { sqlite3_system_errno($0) } ?? 0) {
            message += ": \(cause)"
        }
        self.init(
            code: ResultCode(rawValue: extended & 0xFF),
            extendedCode: ResultCode(rawValue: extended),
            message: message,
            path: path)
    }

    /// The error for a file SQLite could open only for reading (it falls back to
    /// read-only without failing), naming why it cannot be written.
    init(readOnlyFile path: String) {
        let cause = access(path, W_OK) != 0 ? Self.words(for: Glibc.errno) : "it can only be read"
        self.init(code: .readOnly, message: "unable to open database file for writing: \(cause)", path: path)
    }

    /// This error from setting up a freshly opened file (the PRAGMAs), with the
    /// cause when it is the folder: WAL mode creates `<file>-wal` and
    /// `<file>-shm` beside the file, so the folder must be writable too.
    func explainingSetup() -> DatabaseError {
        let folder = Self.folder(of: path)
        guard access(folder, W_OK | X_OK) != 0 else { return self }
        let cause = "\(Self.words(for: Glibc.errno)): WAL mode needs to create files beside it, in the folder \(folder)"
        return DatabaseError(code: code, extendedCode: extendedCode, message: "\(message): \(cause)", sql: sql, path: path)
    }

    /// Why `path` cannot be opened: a missing folder, a folder that is a file,
    /// a folder this process may not create files in, or the system's words
    /// for `errno` (`permission denied`).
    private static func openFailureCause(path: String, errno code: Int32) -> String? {
        let folder = Self.folder(of: path)
        var status = stat()
        if stat(folder, &status) != 0 {
            if Glibc.errno == ENOENT { return "the folder \(folder) does not exist" }
        } else if status.st_mode & S_IFMT != S_IFDIR {
            return "\(folder) is not a folder"
        }
        if stat(path, &status) == 0 {
            if status.st_mode & S_IFMT == S_IFDIR { return "\(path) is a folder" }
            if access(path, R_OK | W_OK) != 0 { return Self.words(for: Glibc.errno) }
        } else if Glibc.errno == ENOENT, access(folder, W_OK | X_OK) != 0 {
            // SQLite retries read-only after EACCES, so its errno says ENOENT; ask directly.
            return "\(Self.words(for: Glibc.errno)): cannot create a file in the folder \(folder)"
        }
        return code == 0 ? nil : Self.words(for: code)
    }

    /// The system's words for `errno` `code`, as part of a sentence: `permission denied`.
    private static func words(for code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        let words = String(cString: text)
        return words.prefix(1).lowercased() + words.dropFirst()
    }

    /// The folder part of `path`: `/a/b` for `/a/b/c.db`, `.` for `c.db`.
    private static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}

/// An SQLite result code (<https://sqlite.org/rescode.html>), primary or extended.
///
/// The constants name the codes a caller is likely to act on; any other code
/// is still carried, as its ``rawValue``.
public struct ResultCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    /// The C value, e.g. `19` for `SQLITE_CONSTRAINT`, `2067` for `SQLITE_CONSTRAINT_UNIQUE`.
    public let rawValue: Int32

    /// Wraps a C result code.
    public init(rawValue: Int32) {
        self.rawValue = rawValue
    }

    /// SQLite's short English name for the code, e.g. `constraint failed` (`sqlite3_errstr`).
    public var description: String {
        String(cString: sqlite3_errstr(rawValue))
    }

    // MARK: - Primary codes

    /// `SQLITE_ERROR`: a generic error, e.g. an SQL syntax error or a missing table.
    public static let error = ResultCode(rawValue: SQLITE_ERROR)
    /// `SQLITE_PERM`: the access mode for a new database could not be provided.
    public static let permission = ResultCode(rawValue: SQLITE_PERM)
    /// `SQLITE_ABORT`: an operation was aborted, e.g. by a rollback.
    public static let abort = ResultCode(rawValue: SQLITE_ABORT)
    /// `SQLITE_BUSY`: another connection (another process) held the lock past the busy timeout.
    public static let busy = ResultCode(rawValue: SQLITE_BUSY)
    /// `SQLITE_LOCKED`: a conflict inside this connection.
    public static let locked = ResultCode(rawValue: SQLITE_LOCKED)
    /// `SQLITE_NOMEM`: out of memory.
    public static let noMemory = ResultCode(rawValue: SQLITE_NOMEM)
    /// `SQLITE_READONLY`: a write to a database that can only be read.
    public static let readOnly = ResultCode(rawValue: SQLITE_READONLY)
    /// `SQLITE_IOERR`: the operating system reported an I/O error.
    public static let ioError = ResultCode(rawValue: SQLITE_IOERR)
    /// `SQLITE_CORRUPT`: the file is damaged.
    public static let corrupt = ResultCode(rawValue: SQLITE_CORRUPT)
    /// `SQLITE_FULL`: the disk is full.
    public static let full = ResultCode(rawValue: SQLITE_FULL)
    /// `SQLITE_CANTOPEN`: the file (or its journal) could not be opened.
    public static let cannotOpen = ResultCode(rawValue: SQLITE_CANTOPEN)
    /// `SQLITE_CONSTRAINT`: a constraint (UNIQUE, NOT NULL, CHECK, FOREIGN KEY) was violated.
    public static let constraint = ResultCode(rawValue: SQLITE_CONSTRAINT)
    /// `SQLITE_TOOBIG`: a string or blob is over the size limit.
    public static let tooBig = ResultCode(rawValue: SQLITE_TOOBIG)
    /// `SQLITE_MISMATCH`: a value of the wrong type for a `STRICT` column or a rowid.
    public static let mismatch = ResultCode(rawValue: SQLITE_MISMATCH)
    /// `SQLITE_MISUSE`: the API was used wrongly (also this library's code for its own misuse errors).
    public static let misuse = ResultCode(rawValue: SQLITE_MISUSE)
    /// `SQLITE_RANGE`: the number of bound values does not match the statement's parameters.
    public static let range = ResultCode(rawValue: SQLITE_RANGE)
    /// `SQLITE_NOTADB`: the file is not an SQLite database.
    public static let notADatabase = ResultCode(rawValue: SQLITE_NOTADB)

    // MARK: - Extended codes

    /// `SQLITE_CONSTRAINT_UNIQUE`: a UNIQUE constraint failed.
    public static let constraintUnique = ResultCode(rawValue: SQLITE_CONSTRAINT | (8 << 8))
    /// `SQLITE_CONSTRAINT_PRIMARYKEY`: a PRIMARY KEY constraint failed.
    public static let constraintPrimaryKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (6 << 8))
    /// `SQLITE_CONSTRAINT_NOTNULL`: a NOT NULL constraint failed.
    public static let constraintNotNull = ResultCode(rawValue: SQLITE_CONSTRAINT | (5 << 8))
    /// `SQLITE_CONSTRAINT_CHECK`: a CHECK constraint failed.
    public static let constraintCheck = ResultCode(rawValue: SQLITE_CONSTRAINT | (1 << 8))
    /// `SQLITE_CONSTRAINT_FOREIGNKEY`: a FOREIGN KEY constraint failed.
    public static let constraintForeignKey = ResultCode(rawValue: SQLITE_CONSTRAINT | (3 << 8))
}
