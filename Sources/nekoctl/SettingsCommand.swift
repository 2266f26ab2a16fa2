import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl settings ID [key=value...]`: shows or changes a plugin's settings
/// (its `config.json`; its config, the tables of `plugin.toml`, is in `nekoctl info`).
struct Settings: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "settings",
        abstract: "Show a plugin's settings (its config.json), or change some: key=value, key:=json.",
        discussion: """
            A change runs the plugin's change hook; if the plugin refuses it, nothing changes and the command exits 1. \
            The plugin's config (its own tables of plugin.toml) is read-only: see 'nekoctl info'.
            """)

    @OptionGroup var host: HostOptionsGroup

    @Argument(help: "The plugin id.")
    var id: String

    @Argument(help: ArgumentHelp("Settings to change: key=value (a string) or key:=json.", valueName: "changes"))
    var changes: [String] = []

    @OptionGroup var server: ServerOptionsGroup

    func run() async throws {
        let patch = try CallArguments.build(object: nil, pairs: changes)
        if let running = server.runningServer(for: host) {
            Terminal.out(try running.request("settings", ["plugin": .string(id), "changes": patch]).prettyPrinted())
            return
        }
        let plugins = host.makeHost()
        defer { plugins.shutdown() }
        plugins.discover()
        do {
            let settings = changes.isEmpty ? try plugins.settings(of: id) : try plugins.changeSettings(of: id, with: patch)
            Terminal.out(settings.prettyPrinted())
        } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}

/// `nekoctl config`: the spelling of `nekoctl settings` before 1.1, kept
/// working for scripts and left out of the help.
struct ConfigAlias: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: Settings.configuration.abstract, shouldDisplay: false)

    @OptionGroup var settings: Settings

    func run() async throws {
        try await settings.run()
    }
}
