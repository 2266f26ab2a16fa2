import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// `nekoctl check --exercise`, run as the real binary: each broken fixture
/// fails exactly the check meant to catch its defect (the others pass or
/// are skipped), and every example in the repository passes.
@Suite(.timeLimit(.minutes(5))) struct ConformanceTests {
    /// Runs `nekoctl check --exercise --json` and decodes the report.
    func exercise(_ folder: String, _ extra: [String] = []) throws -> (status: Int32, report: JSON) {
        let output = try Shell.run(
            Workspace.nekoctl, ["check", "--exercise", "--json", folder] + extra,
            environment: ["NEKO_WORKER": Workspace.worker, "SWIFT_BACKTRACE": "enable=no"])
        let report = try JSON.parse(Array(output.stdout.utf8))
        return (output.status, report)
    }

    /// The checks by result.
    func results(_ report: JSON) -> [String: String] {
        var results: [String: String] = [:]
        for finding in report["checks"]?.arrayValue ?? [] {
            results[finding["check"]?.stringValue ?? "?"] = finding["result"]?.stringValue
        }
        return results
    }

    @Test(arguments: [
        ("double_complete", "completion"),
        ("never_completes", "completion"),
        ("no_field", "invalid-arguments"),
        ("crash_unknown_key", "unknown-key"),
        ("duplicate_ids", "descriptor"),
        ("invalid_schema", "descriptor"),
        ("wrong_result", "valid-arguments"),
    ])
    func aBrokenPluginFailsExactlyItsCheck(fixture: String, check: String) throws {
        let workspace = try Workspace()
        try workspace.fixture(fixture, as: fixture)
        let (status, report) = try exercise("\(workspace.root)/\(fixture)")
        #expect(status == 1, "a failed check exits 1")
        #expect(report["passed"]?.boolValue == false)
        let results = results(report)
        #expect(results.count == Conformance.checkNames.count, "\(report.serializedText)")
        #expect(results[check] == "fail", "\(fixture) must fail '\(check)': \(report.serializedText)")
        #expect(!report.serializedText.contains("nekoctl-check-"), "details name the folder given, not the checker's copy")
        for (name, result) in results where name != check {
            #expect(result == "pass" || result == "skip", "\(fixture): '\(name)' is \(result), expected pass or skip: \(report.serializedText)")
        }
    }

    @Test(arguments: ["hello", "async_fetch", "thread_safe", "reliable", "configurable", "persistent", "cgreet", "crashy"])
    func everyExamplePasses(example: String) throws {
        let workspace = try Workspace()
        try workspace.install(example)
        if example == "hello" { try workspace.install("cgreet") }  // hello depends on it
        // crashy's crashes are its point: those entries are not called.
        let skips = example == "crashy" ? ["segfault", "fatal", "abort", "hog", "spin"].flatMap { ["--skip-entry", $0] } : []
        let folder = "\(workspace.root)/\(example)"
        let before = try FileManager.default.contentsOfDirectory(atPath: folder).sorted()
        let (status, report) = try exercise(folder, skips)
        #expect(status == 0, "\(example): \(report.serializedText)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).sorted() == before, "the checker runs a copy: nothing is written beside plugin.toml")
        #expect(report["passed"]?.boolValue == true)
        #expect(!results(report).values.contains("fail"))
    }

    @Test func aCheckerNamesWhatItCannotFind() throws {
        let output = try Shell.run(Workspace.nekoctl, ["check", "--exercise", "/nonexistent/plugin"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("/nonexistent/plugin: no such folder"), "\(output.stderr)")
    }

    @Test func theTableEndsWithASummaryAndItsWallTime() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        let output = try Shell.run(
            Workspace.nekoctl, ["check", "--exercise", "\(workspace.root)/cgreet"], environment: ["NEKO_WORKER": Workspace.worker])
        #expect(output.status == 0, "\(output.stdout)\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.first?.hasPrefix("CHECK") == true)
        #expect(lines.last?.hasPrefix("ok: cgreet: 9 passed, 0 failed, 1 skipped in ") == true, "\(output.stdout)")
        #expect(lines.last?.hasSuffix(" ms") == true)
    }
}

extension JSON {
    /// Compact JSON text, for test messages.
    var serializedText: String { String(decoding: serialized(), as: UTF8.self) }
}
