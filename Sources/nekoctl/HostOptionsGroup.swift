import ArgumentParser
import FoundationEssentials
import NekoCore
import NekoLoader
import NekoServe

/// The options every command that reads plugins takes.
struct HostOptionsGroup: ParsableArguments {
    @Option(name: .customLong("dir"), help: ArgumentHelp("A plugin root (repeatable).", valueName: "dir"))
    var roots: [String] = []

    @Flag(name: .shortAndLong, help: "Log what the host does (or set NEKO_LOG=debug).")
    var verbose = false

    @Flag(help: "Run every plugin in a worker process of its own, whatever its plugin.toml says (isolation = \"process\").")
    var isolate = false

    @Flag(help: "Refuse a plugin.toml with an unknown key instead of warning about it.")
    var strict = false

    /// The roots: --dir, else $NEKO_PLUGIN_PATH, else ./plugins.
    var resolvedRoots: [String] {
        Discovery.roots(explicit: roots, environment: ProcessInfo.processInfo.environment)
    }

    /// A host over the roots, with logging set up; `libraryApproval` as in ``HostOptions``.
    func makeHost(libraryApproval: (@Sendable (PluginManifest) -> String?)? = nil) -> PluginHost {
        Terminal.bootstrapLogging(verbose: verbose)
        var options = HostOptions(roots: resolvedRoots)
        options.hostName = "nekoctl \(BuildStamp.nekoVersion)"
        options.isolateAll = isolate
        options.strictManifests = strict
        options.libraryApproval = libraryApproval
        return PluginHost(options: options)
    }
}
