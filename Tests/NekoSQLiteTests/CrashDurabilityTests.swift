import Foundation
import NekoSQLite
import Testing

/// Commits survive the writing process being killed with SIGKILL.
///
/// The writer is a real child process, `Tests/Fixtures/sqlite/crash_writer.swift`,
/// compiled at test time and linked with the NekoSQLite object files this
/// test binary was built from, so the code killed is the code under test.
@Suite("Durability under kill -9")
struct CrashDurabilityTests {
    /// How many committed ids the writer reports before it is killed.
    static let idsBeforeKill = 300
    /// Bytes per row: two overflow pages, so the WAL passes its 1,000-page
    /// checkpoint threshold while the writer runs.
    static let valueSize = 6_000

    @Test("every row whose COMMIT returned is there after SIGKILL, and the file is intact")
    func commitsSurviveKill() throws {
        let folder = try TemporaryFolder()
        let writer = try WriterBuild.compile(into: folder.path)
        let path = folder.file("data.db")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: writer)
        process.arguments = [path, String(Self.valueSize)]
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let pid = process.processIdentifier
        // Should the writer stall, kill it so the test fails instead of hanging.
        let watchdog = DispatchWorkItem { kill(pid, SIGKILL) }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: watchdog)

        var printed: [Int64] = []
        var pending = Data()
        var killed = false
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }  // End of file: the writer is gone.
            pending.append(chunk)
            while let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[pending.startIndex..<newline], as: UTF8.self)
                pending.removeSubrange(pending.startIndex...newline)
                if let id = Int64(line) { printed.append(id) }
            }
            if !killed, printed.count >= Self.idsBeforeKill {
                kill(pid, SIGKILL)  // Mid-loop: likely inside a transaction. Keep reading what it printed before.
                killed = true
            }
        }
        process.waitUntilExit()
        watchdog.cancel()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)

        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL,
                "the writer was not killed by SIGKILL: \(process.terminationReason) \(process.terminationStatus); stderr: \(stderr)")
        try #require(printed.count >= Self.idsBeforeKill, "the writer printed only \(printed.count) ids; stderr: \(stderr)")
        #expect(printed == Array(1...Int64(printed.count)))

        let db = try Database(path: path)
        #expect(try db.scalar("PRAGMA integrity_check") == "ok")
        let stored = try db.query("SELECT id, key, length(value) AS size, substr(value, 1, 20) AS head FROM records")
        let byID = Dictionary(uniqueKeysWithValues: stored.compactMap { row in row.int64("id").map { ($0, row) } })
        var missing: [Int64] = []
        for id in printed {
            guard let row = byID[id] else {
                missing.append(id)
                continue
            }
            #expect(row.string("key") == "key-\(id)")
            #expect(row.int("size") == Self.valueSize)
            #expect(row.string("head")?.hasPrefix("value \(id) ") == true)
        }
        #expect(missing.isEmpty, "\(missing.count) of \(printed.count) committed rows are missing, first \(missing.prefix(5))")
        // Rows may exist past the last id printed (committed, killed before printing), never fewer.
        #expect(stored.count >= printed.count)
    }
}

/// Builds the crash writer against the NekoSQLite this test binary contains.
enum WriterBuild {
    /// The repository root (where Package.swift is).
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    /// Compiles `crash_writer.swift` into `folder` and returns the executable's path.
    ///
    /// SwiftPM puts the test binary in the build folder (`.build/debug`), beside
    /// `Modules/NekoSQLite.swiftmodule` and `NekoSQLite.build/`, whose
    /// `output-file-map.json` lists the object files of NekoSQLite. The writer
    /// is compiled without optimization (it is a loop around the library) and
    /// linked with those objects, which takes about a second.
    static func compile(into folder: String) throws -> String {
        let buildFolder = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().path
        let objects = try objectFiles(in: "\(buildFolder)/NekoSQLite.build")
        let executable = "\(folder)/crash_writer"
        let compiler = Process()
        compiler.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        compiler.arguments = [
            "swiftc", "-swift-version", "6", "-Onone",
            "\(repository)/Tests/Fixtures/sqlite/crash_writer.swift",
            "-I", "\(buildFolder)/Modules",
            "-Xcc", "-fmodule-map-file=\(repository)/SDK/Sources/CSQLite/module.modulemap",
            "-lsqlite3", "-o", executable,
        ] + objects
        let errors = Pipe()
        compiler.standardError = errors
        try compiler.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        compiler.waitUntilExit()
        try #require(compiler.terminationStatus == 0, "swiftc could not build the crash writer:\n\(message)")
        return executable
    }

    /// The object files SwiftPM listed for the NekoSQLite target in `buildFolder`.
    private static func objectFiles(in targetFolder: String) throws -> [String] {
        let mapPath = "\(targetFolder)/output-file-map.json"
        let data = try #require(FileManager.default.contents(atPath: mapPath),
                                "\(mapPath) is missing: is this test binary from a SwiftPM build of NekoSQLite?")
        let map = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: String]],
                               "\(mapPath) is not the output file map SwiftPM writes")
        let objects = map.values.compactMap { $0["object"] }.sorted()
        try #require(!objects.isEmpty, "\(mapPath) lists no object files")
        return objects
    }
}
