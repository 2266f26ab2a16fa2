import ArgumentParser
import FoundationEssentials
import Logging
@_spi(Neko) import NekoCore
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

    @Flag(help: "Refuse to start a sandboxed plugin whose permissions the kernel cannot all enforce (as require_sandbox = true).")
    var requireSandbox = false

    @Flag(help: "Refuse a plugin.toml with an unknown key instead of warning about it.")
    var strict = false

    @Flag(help: "Load a plugin whose folder, plugin.toml or library others can write or own, with a warning: for development only.")
    var insecurePermissions = false

    /// The roots: --dir, else $NEKO_PLUGIN_PATH, else ./plugins.
    var resolvedRoots: [String] {
        Discovery.roots(explicit: roots, environment: ProcessInfo.processInfo.environment)
    }

    /// A host over the roots, with logging set up: only errors (`-v`: what
    /// the host does), or `logging`'s choice for a long-running host.
    /// `hostLevel` bounds the host's own lines apart (`nekoctl dev`);
    /// `libraryApproval` as in ``HostOptions``.
    /// `alongside` as in `Terminal.bootstrapLogging`.
    func makeHost(logging: LogOptionsGroup? = nil, hostLevel: Logger.Level? = nil,
                  libraryApproval: (@Sendable (PluginManifest) -> String?)? = nil,
                  alongside: (@Sendable () -> any LogHandler)? = nil) -> PluginHost {
        if let logging {
            Terminal.bootstrapLogging(level: logging.level(verbose: verbose), format: logging.format, hostLevel: hostLevel, alongside: alongside)
        } else {
            Terminal.bootstrapLogging(level: verbose ? .info : .error)
        }
        var options = HostOptions(roots: resolvedRoots)
        options.hostName = "nekoctl \(BuildStamp.nekoVersion)"
        options.isolateAll = isolate
        options.strictManifests = strict
        options.libraryApproval = libraryApproval
        options.insecurePermissions = insecurePermissions
        options.requireSandbox = requireSandbox
        return PluginHost(options: options)
    }
}
