import ArgumentParser
import Logging
@_spi(Neko) import NekoCore

/// `nekoctl`: lists, describes, checks, calls and scaffolds Neko plugins.
@main
struct Nekoctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "nekoctl",
        abstract: "Lists, describes, checks, calls, scaffolds and serves Neko plugins, and runs a plugin's edit-build-reload loop.",
        discussion: """
            Plugins are folders holding a plugin.toml and the library it names, under the plugin \
            roots: --dir DIR (repeatable), else $NEKO_PLUGIN_PATH (colon-separated), else ./plugins.
            """,
        version: BuildStamp.nekoVersion,
        subcommands: [
            List.self, Info.self, Call.self, Settings.self, Check.self, New.self,
            Serve.self, MCPServe.self, Dev.self, Status.self, Load.self, Unload.self, Reload.self, ConfigAlias.self,
            Pack.self, Keygen.self, Verify.self, Inspect.self, Install.self, Rollback.self, Uninstall.self, Trust.self,
        ])

    /// Runs the command line. Exit codes: 0 success, 1 an error result or a
    /// failed check, 2 a usage error.
    static func main() async {
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if let usage = error as? ValidationError {
                Terminal.error("error: \(usage.message)")
                exit(withError: ExitCode(2))
            }
            if exitCode(for: error) == .validationFailure {
                Terminal.error(fullMessage(for: error))
                exit(withError: ExitCode(2))
            }
            exit(withError: error)
        }
    }
}
