import Glibc
import NekoSQLite
import Testing

@Suite("Opening errors")
struct OpenErrorTests {
    @Test("a folder that does not exist is named in the error")
    func missingFolder() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("missing/data.db")
        let error = #expect(throws: DatabaseError.self) {
            try Database(path: path)
        }
        #expect(error?.code == .cannotOpen)
        #expect(error?.path == path)
        #expect(error?.description == "\(path): unable to open database file: the folder \(folder.path)/missing does not exist")
    }

    @Test("a folder that is a file is named in the error")
    func folderIsAFile() throws {
        let folder = try TemporaryFolder()
        let blocker = folder.file("blocker")
        _ = try Database(path: blocker)  // Now a file where a folder should be.
        let path = "\(blocker)/data.db"
        let error = #expect(throws: DatabaseError.self) {
            try Database(path: path)
        }
        #expect(error?.description == "\(path): unable to open database file: \(blocker) is not a folder")
    }

    @Test("a file that is not a database is reported with its path")
    func notADatabase() throws {
        let folder = try TemporaryFolder()
        let path = folder.file("text.db")
        let file = try #require(fopen(path, "w"))
        fputs(String(repeating: "not a database at all. ", count: 100), file)
        fclose(file)
        let error = #expect(throws: DatabaseError.self) {
            try Database(path: path)
        }
        #expect(error?.code == .notADatabase)
        #expect(error?.description.hasPrefix("\(path): file is not a database") == true)
    }

    /// Whether the file system refuses this process a write in a folder
    /// without write permission. Not for root: root's CAP_DAC_OVERRIDE writes
    /// anywhere, so in a root container (as CI often is) the read-only check is skipped.
    static let permissionsBlockWrites: Bool = {
        guard let folder = try? TemporaryFolder() else { return false }
        chmod(folder.path, 0o555)
        defer { chmod(folder.path, 0o755) }
        return access(folder.path, W_OK) != 0
    }()

    @Test("a read-only folder or file is reported as permission denied",
          .enabled(if: permissionsBlockWrites, "running as root, which file permissions do not stop"))
    func readOnly() throws {
        let folder = try TemporaryFolder()

        // A new file in a folder without write permission.
        let readOnlyFolder = folder.file("read-only")
        mkdir(readOnlyFolder, 0o555)
        let newFile = "\(readOnlyFolder)/data.db"
        let cannotCreate = #expect(throws: DatabaseError.self) {
            try Database(path: newFile)
        }
        #expect(cannotCreate?.code == .cannotOpen)
        #expect(cannotCreate?.description == "\(newFile): unable to open database file: permission denied: cannot create a file in the folder \(readOnlyFolder)")

        // An existing file without write permission (SQLite would open it read-only).
        let readOnlyFile = folder.file("read-only.db")
        try Database(path: readOnlyFile).close()
        chmod(readOnlyFile, 0o444)
        let cannotWrite = #expect(throws: DatabaseError.self) {
            try Database(path: readOnlyFile)
        }
        #expect(cannotWrite?.code == .readOnly)
        #expect(cannotWrite?.description == "\(readOnlyFile): unable to open database file for writing: permission denied")
    }
}
