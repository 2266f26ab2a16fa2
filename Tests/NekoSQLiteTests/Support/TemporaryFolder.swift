import Foundation

/// A fresh folder under the system's temporary folder, removed with everything
/// in it when the value is released.
final class TemporaryFolder {
    /// The folder's absolute path, e.g. `/tmp/neko-sqlite-<uuid>`.
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("neko-sqlite-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit {
        // A test may have made a subfolder read-only; give write access back so it can go.
        if let enumerator = FileManager.default.enumerator(atPath: path) {
            for case let relative as String in enumerator {
                try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: "\(path)/\(relative)")
            }
        }
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The path of `name` inside the folder.
    func file(_ name: String) -> String {
        "\(path)/\(name)"
    }
}

/// The seed's table (N.E.K.O's "SQLite によるデータ永続化" example), as is.
let recordsSchema = """
    CREATE TABLE IF NOT EXISTS records (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        key TEXT UNIQUE,
        value TEXT,
        created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
    )
    """
