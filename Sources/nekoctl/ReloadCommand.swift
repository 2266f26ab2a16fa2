import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl reload ID`: a new generation of a plugin in a running `nekoctl serve`.
struct Reload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reload a plugin in a running 'nekoctl serve' from its folder, without failing a call.",
        discussion: "If the new build fails a step, the running generation goes on and the command exits 1 naming the step.")

    @OptionGroup var server: ServerOptionsGroup

    @Argument(help: "The plugin id.")
    var id: String

    func run() async throws {
        let running = try server.requireServer(for: "reload")
        let result = try running.request("reload", ["plugin": .string(id)], timeout: .seconds(120))
        let took = Milliseconds.text(result["duration_ms"]?.doubleValue ?? 0)
        Terminal.out("reloaded \(id): generation \(result["generation"]?.description ?? "-") in \(took)")
    }
}
