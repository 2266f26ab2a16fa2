import ArgumentParser
import FoundationEssentials
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

#if canImport(Glibc)
import Glibc
#endif

/// `nekoctl check DIR|ID`: validates a plugin folder without running it;
/// with `--exercise`, runs it in a worker process and tries the ABI's
/// promises on it (docs/CONFORMANCE.md).
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a plugin: manifest, library, symbol, ABI and entries; with --exercise, run it in a worker process and check it keeps the ABI's promises.",
        discussion: "--exercise runs: \(Conformance.checkNames.joined(separator: ", ")). It prints a table (check, result, detail) and exits 1 when a check fails. See docs/CONFORMANCE.md.")

    @Argument(help: "The plugin folder (the one holding plugin.toml), or a plugin id under the plugin roots.")
    var plugin: String

    @Flag(help: "Load the plugin in a worker process and exercise it: calls with generated arguments, 8 threads, cancel, a 1 ms deadline, state, restart.")
    var exercise = false

    @Flag(help: "With --exercise: print the report as JSON.")
    var json = false

    @Option(name: .customLong("skip-entry"), help: ArgumentHelp("With --exercise: an entry not to call, eg one that crashes on purpose (repeatable).", valueName: "entry"))
    var skippedEntries: [String] = []

    @Option(name: .customLong("dir"), help: ArgumentHelp("A plugin root to find an id in (repeatable).", valueName: "dir"))
    var roots: [String] = []

    func validate() throws {
        if json && !exercise { throw ValidationError("--json needs --exercise") }
        if !skippedEntries.isEmpty && !exercise { throw ValidationError("--skip-entry needs --exercise") }
    }

    @Flag(help: "Refuse a plugin.toml with an unknown key instead of warning about it.")
    var strict = false

    @Flag(help: "Warn about a folder, plugin.toml or library others can write or own, instead of failing: for development only.")
    var insecurePermissions = false

    func run() throws {
        let folder = try resolvedFolder()
        if exercise { return try runExercise(folder) }
        switch PluginCheck.run(folder: folder, strict: strict, insecurePermissions: insecurePermissions) {
        case .success(let check):
            for warning in check.warnings { Terminal.error("warning: \(warning)") }
            Terminal.out("ok: \(check.manifest.id) \(check.manifest.version): \(check.entries.count) entries (\(Self.builtWith(check)), ABI \(check.manifest.abi))")
            for entry in check.entries { Terminal.out("  \(entry.id)\(entry.isAsync ? " (async)" : "")") }
        case .failure(let failure):
            Terminal.error("error: \(failure.phase): \(failure.message)")
            throw ExitCode(1)
        }
    }

    /// What built the plugin, each word once: "Swift 6.3.1, NekoPlugin 0.1.0",
    /// "C" (a descriptor whose SDK says "c"), or the SDK it names.
    static func builtWith(_ check: PluginCheck) -> String {
        if let swift = check.swiftVersion { return "Swift \(swift), \(check.sdk)" }
        return check.sdk.lowercased() == "c" || check.sdk.isEmpty ? "C" : check.sdk
    }

    /// The folder `plugin` names: itself when it holds a plugin.toml, else the
    /// folder of the plugin with that id under the roots.
    private func resolvedFolder() throws -> String {
        if FileManager.default.fileExists(atPath: "\(plugin)/plugin.toml") { return plugin }
        let roots = Discovery.roots(explicit: roots, environment: ProcessInfo.processInfo.environment)
        if let found = Discovery.scan(roots: roots).first(where: { $0.id == plugin }) { return found.folder }
        if FileManager.default.fileExists(atPath: plugin) {
            Terminal.error("error: \(plugin): no plugin.toml in this folder")
        } else {
            Terminal.error("error: \(plugin): no such folder, and no plugin with this id under \(roots.joined(separator: ":"))")
        }
        throw ExitCode(1)
    }

    private func runExercise(_ folder: String) throws {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("nekoctl-check-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let subject: ExerciseSubject
        do {
            subject = try ExerciseSubject(folder: folder, scratch: scratch, workerExecutable: nil, skippedEntries: Set(skippedEntries))
        } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
        let id = (try? PluginManifest.load(folder: folder).id) ?? String(folder.split(separator: "/").last ?? Substring(folder))
        let report = Conformance.exercise(subject, plugin: id)
        if json {
            Terminal.out(report.json.prettyPrinted())
        } else {
            Table.print([["CHECK", "RESULT", "DETAIL"]] + report.findings.map { [$0.check, $0.result.rawValue, $0.detail] })
            let count = { (result: CheckResult) in report.findings.filter { $0.result == result }.count }
            let skipped = skippedEntries.isEmpty ? "" : "; entries not called: \(skippedEntries.joined(separator: ", "))"
            Terminal.out("\(report.passed ? "ok" : "FAILED"): \(id): \(count(.pass)) passed, \(count(.fail)) failed, \(count(.skip)) skipped in \(Milliseconds.text(report.json["duration_ms"]?.doubleValue ?? 0))\(skipped)")
        }
        if !report.passed { throw ExitCode(1) }
    }
}
