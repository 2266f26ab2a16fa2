import ArgumentParser
import FoundationEssentials
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl load PATH`: adds a plugin folder from anywhere.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Add a plugin folder from anywhere: loaded into a running 'nekoctl serve', else checked and copied into the first plugin root.",
        discussion: """
            Without a server, only what the plugin needs is copied: plugin.toml, its library, config.json, \
            its locales_dir and the files and folders [plugin].assets lists; never build folders (.build) or data (data/, *.db).
            """)

    @OptionGroup var host: HostOptionsGroup

    @OptionGroup var server: ServerOptionsGroup

    @Argument(help: "The plugin folder (the one holding plugin.toml).")
    var folder: String

    func run() async throws {
        let folder = Discovery.absolutePath(self.folder)
        if let running = server.runningServer(for: host) {
            let result = try running.request("load", ["path": .string(folder)], timeout: .seconds(120))
            Terminal.out("loaded \(result["plugin"]?.stringValue ?? folder) from \(folder) (\(result["state"]?.stringValue ?? "-")) at \(running.path)")
            return
        }
        let check: PluginCheck
        switch PluginCheck.run(folder: folder, strict: host.strict, insecurePermissions: host.insecurePermissions) {
        case .success(let found):
            check = found
            for warning in found.warnings { Terminal.error("warning: \(warning)") }
        case .failure(let failure):
            Terminal.error("error: \(failure.phase): \(failure.message)")
            throw ExitCode(1)
        }
        let root = Discovery.absolutePath(host.resolvedRoots[0])
        let target = Discovery.join(root, check.manifest.id)
        guard !FileManager.default.fileExists(atPath: target) else {
            Terminal.error("error: \(target) already exists: remove it first, or start 'nekoctl serve' and load the folder into it")
            throw ExitCode(1)
        }
        do {
            try PluginFiles.copy(check.manifest, to: target)
        } catch {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
        let copied = PluginFiles.needed(by: check.manifest).joined(separator: ", ")
        Terminal.out("no nekoctl serve at \(server.path): checked \(check.manifest.id) \(check.manifest.version) and copied \(copied) from \(folder) to \(target)")
    }
}
