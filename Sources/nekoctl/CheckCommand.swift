import ArgumentParser
import NekoLoader
import NekoServe

/// `nekoctl check DIR`: validates a plugin folder without running it.
struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate a plugin folder: manifest, library, symbol, ABI and entries, without calling any entry.")

    @Argument(help: "The plugin folder (the one holding plugin.toml).")
    var folder: String

    @Flag(help: "Refuse a plugin.toml with an unknown key instead of warning about it.")
    var strict = false

    func run() throws {
        switch PluginCheck.run(folder: folder, strict: strict) {
        case .success(let check):
            for warning in check.warnings { Terminal.error("warning: \(warning)") }
            let built = check.swiftVersion.map { "Swift \($0)" } ?? "C"
            Terminal.out("ok: \(check.manifest.id) \(check.manifest.version): \(check.entries.count) entries (\(built), \(check.sdk), ABI \(check.manifest.abi))")
            for entry in check.entries { Terminal.out("  \(entry.id)\(entry.isAsync ? " (async)" : "")") }
        case .failure(let failure):
            Terminal.error("error: \(failure.phase): \(failure.message)")
            throw ExitCode(1)
        }
    }
}
