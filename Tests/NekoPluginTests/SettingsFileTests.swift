import Foundation
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import Synchronization
import Testing

/// `SettingsFile`: `config.json` beside `plugin.toml`, typed. Real files in a
/// temporary folder; writes that fail for real (a parent that is a file, a
/// target that is a folder).
@Suite struct SettingsFileTests {
    struct Settings: Codable, Sendable, Equatable {
        var timeout = 30
        var name = "neko"
    }

    let host: TestHost
    var path: String { "\(host.folder)/config.json" }

    init() throws {
        host = try TestHost(id: "configured")
    }

    func open(onChange: (@Sendable (Settings, Settings) throws -> Void)? = nil) throws -> SettingsFile<Settings> {
        try SettingsFile(path: path, default: Settings(), onChange: onChange)
    }

    func stored() throws -> JSON {
        try JSON.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
    }

    @Test func defaultsWithoutAFileAndMissingKeysFromTheDefaults() throws {
        #expect(try open().value == Settings())
        #expect(!FileManager.default.fileExists(atPath: path))
        try #"{"timeout": 5}"#.write(toFile: path, atomically: true, encoding: .utf8)
        #expect(try open().value == Settings(timeout: 5, name: "neko"))
    }

    @Test func updateSavesTheNewValueAndLeavesNoTemporaryFile() throws {
        let settings = try open()
        try settings.update { $0.timeout = 60 }
        #expect(settings.value.timeout == 60)
        #expect(try stored() == ["timeout": 60, "name": "neko"])
        #expect(try open().value.timeout == 60, "a new reader sees the saved value")
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: host.folder).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty)
    }

    @Test func updateRunsTheChangeHookWithTheOldAndNewValue() throws {
        let seen = Mutex<[String]>([])
        let settings = try open { old, new in seen.withLock { $0.append("\(old.timeout) -> \(new.timeout)") } }
        try settings.update { $0.timeout = 45 }
        try settings.update { $0.timeout = 50 }
        #expect(seen.withLock { $0 } == ["30 -> 45", "45 -> 50"])
    }

    @Test func aHookThatRefusesAnUpdateChangesNothing() throws {
        struct Refused: Error {}
        let settings = try open { _, new in if new.timeout <= 0 { throw Refused() } }
        try settings.update { $0.timeout = 10 }
        #expect(throws: Refused.self) { try settings.update { $0.timeout = 0 } }
        #expect(settings.value.timeout == 10)
        #expect(try stored()["timeout"] == 10)
    }

    @Test func theHostsChangeRunsTheHookAndNamesAWrongKey() throws {
        let seen = Mutex(0)
        let settings = try open { _, _ in seen.withLock { $0 += 1 } }
        try settings.change(["timeout": 7])
        #expect(settings.value.timeout == 7 && seen.withLock { $0 } == 1)
        let error = try #require(throws: CallError.self) { try settings.change(["timeout": "argument"]) }
        #expect(error.code == .invalidArgument)
        #expect(error.field == "timeout")
        #expect(error.message == #"\#(path): key 'timeout' must be an integer, got "argument""#)
        #expect(settings.value.timeout == 7)
        #expect(throws: CallError.self) { try settings.change([1, 2]) }
    }

    @Test func unknownKeysAreRefusedNamingTheNearestKnownOneInTheFileAndInAChange() throws {
        try #"{"timout": 5, "name": 3}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let stored = try #require(throws: CallError.self) { try open() }
        #expect(stored.code == .invalidArgument)
        #expect(stored.field == "name")
        #expect(stored.message == "\(path): key 'name' must be a string, got 3; unexpected key 'timout' (did you mean 'timeout'?)")
        try FileManager.default.removeItem(atPath: path)
        let settings = try open()
        let changed = try #require(throws: CallError.self) { try settings.change(["nmae": "x"]) }
        #expect(changed.field == "nmae")
        #expect(changed.message == "\(path): unexpected key 'nmae' (did you mean 'name'?)")
        #expect(settings.value == Settings())
        #expect(!FileManager.default.fileExists(atPath: path), "nothing written")
    }

    @Test func freeFormSettingsTakeAnyKey() throws {
        try #"{"anything": 1, "else": [true]}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let tree = try SettingsFile<JSON>(path: path, default: ["anything": 0], onChange: nil)
        #expect(tree.value == ["anything": 1, "else": [true]])
        try tree.change(["more": "yes"])
        let map = try SettingsFile<[String: JSON]>(path: path, default: [:], onChange: nil)
        #expect(map.value["more"] == "yes")
    }

    @Test func aHooksRefusalOfTheHostsChangeNamesItsField() throws {
        let settings = try open { _, new in
            if new.timeout <= 0 { throw CallError.invalidArgument("timeout", "must be positive") }
            if new.name.isEmpty { throw CallError.invalidArgument("name", "key 'name' must not be empty") }
        }
        let refused = try #require(throws: CallError.self) { try settings.change(["timeout": 0]) }
        #expect(refused == CallError(.invalidArgument, "\(path): key 'timeout': must be positive", field: "timeout"))
        let quoted = try #require(throws: CallError.self) { try settings.change(["name": ""]) }
        #expect(quoted.message == "key 'name' must not be empty", "a message that names the field already is kept")
        #expect(settings.value == Settings())
    }

    @Test func aStoredKeyOfTheWrongTypeNamesTheFileAndTheKeyWithoutRewordingTheValue() throws {
        // The value holds the word "argument": the message must show it as it is.
        try #"{"timeout": "an argument"}"#.write(toFile: path, atomically: true, encoding: .utf8)
        let error = try #require(throws: CallError.self) { try open() }
        #expect(error.code == .invalidArgument)
        #expect(error.field == "timeout")
        #expect(error.message == #"\#(path): key 'timeout' must be an integer, got "an argument""#)
    }

    @Test func aFileThatIsNotJSONOrNotAnObjectIsNamed() throws {
        try "{ nope".write(toFile: path, atomically: true, encoding: .utf8)
        let notJSON = try #require(throws: CallError.self) { try open() }
        #expect(notJSON.message.hasPrefix("\(path): not valid JSON"))
        try "[1, 2]".write(toFile: path, atomically: true, encoding: .utf8)
        let notObject = try #require(throws: CallError.self) { try open() }
        #expect(notObject.message == "\(path): expected a JSON object of settings, got array")
    }

    @Test func aWriteThatCannotCreateItsFileThrowsAndChangesNothing() throws {
        // The parent of the file is a file: open(2) fails with ENOTDIR.
        let parent = "\(host.folder)/plain-file"
        try "x".write(toFile: parent, atomically: true, encoding: .utf8)
        let settings = try SettingsFile(path: "\(parent)/config.json", default: Settings(), onChange: nil)
        let error = try #require(throws: CallError.self) { try settings.update { $0.timeout = 99 } }
        #expect(error.code == .executionFailed)
        #expect(error.message == "\(parent)/config.json.tmp-\(getpid()): cannot create: Not a directory")
        #expect(settings.value.timeout == 30, "the value in memory is unchanged")
    }

    @Test func aRenameThatFailsThrowsRemovesTheTemporaryFileAndKeepsTheOldValue() throws {
        let settings = try open()
        try settings.update { $0.timeout = 12 }
        // Make the target a folder that is not empty: rename(2) over it fails.
        try FileManager.default.removeItem(atPath: path)
        try FileManager.default.createDirectory(atPath: "\(path)/inside", withIntermediateDirectories: true)
        let error = try #require(throws: CallError.self) { try settings.update { $0.timeout = 13 } }
        #expect(error.code == .executionFailed)
        #expect(error.message.hasPrefix("\(path): cannot replace: "))
        #expect(settings.value.timeout == 12)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: host.folder).filter { $0.contains(".tmp-") }
        #expect(leftovers.isEmpty, "the temporary file was left behind: \(leftovers)")
    }
}
