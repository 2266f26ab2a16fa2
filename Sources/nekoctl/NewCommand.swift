import ArgumentParser
import FoundationEssentials
import NekoLoader
import NekoServe

/// `nekoctl new NAME`: scaffolds a plugin folder from `PluginTemplates/`.
struct New: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Scaffold a plugin in <dir>/<name>: plugin.toml, sources, tests (Swift), a Makefile and a README.",
        discussion: "Then run 'make' in the new folder: it builds lib<name>.so beside plugin.toml. In a Swift plugin, 'make test' runs its unit tests (Tests/, with NekoPluginTesting).")

    enum Language: String, ExpressibleByArgument, CaseIterable {
        case swift, c
    }

    @Argument(help: "The plugin id: 1 to 128 of A-Z a-z 0-9 _ -, eg greeter.")
    var name: String

    @Option(help: "The plugin's language.")
    var lang: Language = .swift

    @Option(help: ArgumentHelp("The plugin root to create it under (default: the first plugin root, ./plugins).", valueName: "dir"))
    var dir: String?

    @Option(help: ArgumentHelp("The folder whose PluginTemplates to use: a Neko checkout, or <prefix>/share/neko (default: $NEKO_ROOT, else found from nekoctl's location).", valueName: "path"))
    var nekoRoot: String?

    func validate() throws {
        guard (1...128).contains(name.utf8.count), name.utf8.allSatisfy(Scaffold.isIDByte) else {
            throw ValidationError("'\(name)' is not a plugin id: expected 1 to 128 of A-Z a-z 0-9 _ - (a plain name, never a path)")
        }
    }

    func run() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let root = nekoRoot ?? environment["NEKO_ROOT"].flatMap({ $0.isEmpty ? nil : $0 }) ?? Scaffold.findNekoRoot() else {
            Terminal.error("error: cannot find PluginTemplates/: pass --neko-root PATH (a Neko checkout, or <prefix>/share/neko after make install) or set NEKO_ROOT")
            throw ExitCode(1)
        }
        let parent = dir ?? Discovery.roots(explicit: [], environment: environment)[0]
        let target = Discovery.join(Discovery.absolutePath(parent), name)
        do {
            try Scaffold.copy(
                from: "\(root)/PluginTemplates/\(lang.rawValue)", to: target,
                replacing: Scaffold.placeholders(id: name))
        } catch let error as Scaffold.Failure {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
        Terminal.out("created \(target) (\(lang.rawValue))")
        if Scaffold.sdkForPlugins(environment: environment) == nil {
            // The plugin finds the SDK through the environment or the install, never a path written into it.
            let sdk = FileManager.default.fileExists(atPath: "\(root)/SDK/Package.swift") ? "\(Discovery.absolutePath(root))/SDK" : "<prefix>/share/neko/SDK"
            if let given = environment["NEKO_SDK"], !given.isEmpty {
                Terminal.out("note: NEKO_SDK=\(given) is not Neko's SDK (no Package.swift there); its build needs NEKO_SDK=\(sdk)")
            } else {
                Terminal.out("note: its build needs Neko's SDK: export NEKO_SDK=\(sdk) (or make install, and nekoctl on PATH)")
            }
        }
        Terminal.out("next: make -C \(target) && nekoctl call \(name) hello name=Ada\(parent == "./plugins" || dir == nil ? "" : " --dir \(parent)")")
    }
}
