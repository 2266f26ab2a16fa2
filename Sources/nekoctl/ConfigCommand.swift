import ArgumentParser
import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl config ID [key=value...]`: shows or changes a plugin's settings.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a plugin's settings (its config.json), or change some: key=value, key:=json.",
        discussion: "A change runs the plugin's change hook; if the plugin refuses it, nothing changes and the command exits 1.")

    @OptionGroup var host: HostOptionsGroup

    @Argument(help: "The plugin id.")
    var id: String

    @Argument(help: ArgumentHelp("Settings to change: key=value (a string) or key:=json.", valueName: "changes"))
    var changes: [String] = []

    @OptionGroup var server: ServerOptionsGroup

    func run() async throws {
        let patch = try CallArguments.build(object: nil, pairs: changes)
        if let running = server.runningServer(for: host) {
            Terminal.out(try running.request("config", ["plugin": .string(id), "changes": patch]).prettyPrinted())
            return
        }
        let plugins = host.makeHost()
        defer { plugins.shutdown() }
        plugins.discover()
        do {
            let settings = changes.isEmpty ? try plugins.settings(of: id) : try plugins.changeSettings(of: id, with: patch)
            Terminal.out(settings.prettyPrinted())
        } catch {
            Terminal.error("error: \(error.code): \(error.message)\(error.field.map { " (field: \($0))" } ?? "")")
            throw ExitCode(1)
        }
    }
}
