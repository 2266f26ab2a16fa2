#if canImport(Glibc)
import Glibc
#endif

/// How the host starts the worker of a sandboxed plugin (`isolation =
/// "sandbox"`): its `[plugin.permissions]` as `neko-worker` arguments, and
/// the environment it may see. The worker applies them (docs/SANDBOX.md).
enum SandboxLaunch {
    /// The worker's sandbox arguments: `--sandbox --network ... --read ...
    /// --write <data folder> ...`, and `--require-sandbox` when the manifest
    /// or the host requires it.
    static func arguments(_ manifest: PluginManifest, dataFolder: String, options: HostOptions) -> [String] {
        let permissions = manifest.permissions ?? PluginManifest.Permissions()
        var arguments = ["--sandbox"]
        switch permissions.network {
        case .none: arguments += ["--network", "none"]
        case .loopback: arguments += ["--network", "loopback"]
        case .any: arguments += ["--network", "any"]
        case .endpoints(let endpoints):
            arguments += ["--network", "ports"]
            var ports: [UInt16] = []
            for endpoint in endpoints where !ports.contains(endpoint.port) { ports.append(endpoint.port) }
            for port in ports { arguments += ["--connect-port", "\(port)"] }
        }
        for path in permissions.read { arguments += ["--read", path] }
        for path in [dataFolder] + permissions.write { arguments += ["--write", path] }
        for program in permissions.exec { arguments += ["--exec", program] }
        if permissions.requireSandbox || options.requireSandbox { arguments.append("--require-sandbox") }
        return arguments
    }

    /// The host's variables a sandboxed worker inherits: those `env` lists
    /// (`HostOptions.workerEnvironment` is added to them).
    static func inheritedVariables(_ manifest: PluginManifest) -> Set<String> {
        Set(manifest.permissions?.env ?? [])
    }
}
