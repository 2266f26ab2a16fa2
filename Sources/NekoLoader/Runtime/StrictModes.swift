#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// sshd's StrictModes for plugins: the host runs code only from files that
/// no one but this user (or root) can change.
///
/// A plugin's folder, its `plugin.toml` and its library must be owned by the
/// host's user or root and not writable by group or others; otherwise whoever
/// can write them can run code in the host. The host's own library cache must
/// be owned by the host's user alone. Each refusal names the path and the
/// command that fixes it.
enum StrictModes {
    /// What is unsafe about the plugin's folder, manifest and library: one
    /// line per path at fault, empty when all three are safe.
    static func problems(of manifest: PluginManifest) -> [String] {
        [manifest.folder, manifest.manifestPath, manifest.libraryPath].compactMap { unsafe($0, rootMayOwn: true) }
    }

    /// Why code must not come from `path`: an owner other than this user
    /// (or root, if `rootMayOwn`), or write access for group or others.
    /// nil when it is safe. Follows symbolic links: the target is what is read.
    static func unsafe(_ path: String, rootMayOwn: Bool) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): \(errnoText())" }
        let user = getuid()
        if info.st_uid != user && !(rootMayOwn && info.st_uid == 0) {
            let owners = rootMayOwn ? "this user (uid \(user)) or root" : "this user (uid \(user))"
            return "\(path) is owned by uid \(info.st_uid), not \(owners): run 'chown \(user) \(path)'"
        }
        if info.st_mode & 0o022 != 0 {
            let who = info.st_mode & 0o020 != 0 ? (info.st_mode & 0o002 != 0 ? "group and others" : "its group") : "others"
            let mode = String(info.st_mode & 0o777, radix: 8)
            return "\(path) is writable by \(who) (mode \(mode)): run 'chmod go-w \(path)'"
        }
        return nil
    }
}
