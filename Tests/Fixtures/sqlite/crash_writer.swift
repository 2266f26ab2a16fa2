// The child process of NekoSQLiteTests' CrashDurabilityTests. It sits outside
// every target (Tests/Fixtures is not one), and the test compiles it at run
// time against the very NekoSQLite object files the test binary was linked from.
//
// Usage: crash_writer <database path> <value size in bytes>
//
// Inserts rows into the seed's `records` table forever, one transaction per
// row, and after each COMMIT returns writes the new row's id on its own line
// to stdout, unbuffered. The test kills it with SIGKILL mid-flight, then checks
// that every id written is in the database. It exits by itself if its parent
// goes away, so a crashed test leaves nothing running.

import Glibc
import NekoSQLite

/// Writes `line` and a newline to the file descriptor `output` at once, with
/// no buffer to lose.
func emit(_ line: String, to output: Int32 = STDOUT_FILENO) {
    let bytes = Array((line + "\n").utf8)
    var written = 0
    while written < bytes.count {
        let result = bytes[written...].withUnsafeBytes { write(output, $0.baseAddress, $0.count) }
        guard result > 0 else { exit(4) }
        written += result
    }
}

/// The value row `id` holds: `id` as text, padded to `size` bytes, so each
/// commit spans several pages and the WAL checkpoints as the test runs.
func value(for id: Int64, size: Int) -> String {
    let head = "value \(id) "
    return head + String(repeating: "x", count: max(0, size - head.utf8.count))
}

let arguments = CommandLine.arguments
guard arguments.count == 3, let size = Int(arguments[2]) else {
    emit("usage: crash_writer <database path> <value size in bytes>", to: STDERR_FILENO)
    exit(2)
}
let parent = getppid()

do {
    let db = try Database(path: arguments[1])
    try db.execute("""
        CREATE TABLE IF NOT EXISTS records (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            key TEXT UNIQUE,
            value TEXT,
            created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
        )
        """)
    while getppid() == parent {
        let id = try db.transaction { transaction in
            let next = (try transaction.scalar("SELECT coalesce(max(id), 0) + 1 FROM records")?.int64Value) ?? 1
            try transaction.execute("INSERT INTO records (id, key, value) VALUES (?, ?, ?)",
                                    .integer(next), .text("key-\(next)"), .text(value(for: next, size: size)))
            return next
        }
        emit(String(id))
    }
} catch {
    emit("crash_writer: \(error)", to: STDERR_FILENO)
    exit(1)
}
