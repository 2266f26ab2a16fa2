@_spi(Neko) import NekoCore
import NekoLoader

extension PluginStatus {
    /// `[plugin.permissions]` as `info` shows it: `read`, `write`, `network`
    /// (a string or an array of `host:port`), `exec`, `env`, `require_sandbox`;
    /// the defaults for a sandboxed plugin without the table; null for a plugin
    /// that is neither sandboxed nor declares any.
    public var permissionsJSON: JSON {
        guard let manifest, manifest.permissions != nil || manifest.runtime.isolation == .sandbox else { return .null }
        let permissions = manifest.permissions ?? PluginManifest.Permissions()
        let network: JSON = switch permissions.network {
        case .none: "none"
        case .loopback: "loopback"
        case .any: "any"
        case .endpoints(let list): .array(list.map { .string($0.description) })
        }
        return .object([
            "read": .array(permissions.read.map(JSON.string)),
            "write": .array(permissions.write.map(JSON.string)),
            "network": network,
            "exec": permissions.exec.isEmpty ? .bool(false) : .array(permissions.exec.map(JSON.string)),
            "env": .array(permissions.env.map(JSON.string)),
            "require_sandbox": .bool(permissions.requireSandbox),
        ])
    }

    /// What the kernel enforces for the running sandboxed plugin
    /// (`landlock_abi`, `landlock_network`, `seccomp`, `network_namespace`,
    /// `not_enforced`, `summary`); null when it is not running in a sandbox.
    public var sandboxJSON: JSON {
        guard let sandbox else { return .null }
        return .object([
            "landlock_abi": .int(Int64(sandbox.landlockABI)),
            "landlock_network": .bool(sandbox.landlockNetwork),
            "seccomp": .bool(sandbox.seccomp),
            "network_namespace": .bool(sandbox.networkNamespace),
            "not_enforced": .array(sandbox.problems.map(JSON.string)),
            "summary": .string(sandbox.summary),
        ])
    }
}
