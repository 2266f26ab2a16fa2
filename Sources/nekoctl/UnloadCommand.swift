import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl unload ID`: stops a plugin in a running `nekoctl serve`.
struct Unload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Stop a plugin in a running 'nekoctl serve': calls in progress finish, new ones get not_found.")

    @OptionGroup var server: ServerOptionsGroup

    @Argument(help: "The plugin id.")
    var id: String

    func run() async throws {
        let running = try server.requireServer(for: "unload")
        let result = try running.request("unload", ["plugin": .string(id)])
        Terminal.out("unloaded \(id) (\(result["state"]?.stringValue ?? "stopped")) at \(running.path)")
    }
}
