#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// Folder creation for the host's cache and the plugins' data folders.
enum Folders {
    /// `mkdir -p path` with mode 0700 for what it creates.
    /// - Returns: nil when the folder exists now, else what went wrong,
    ///   naming the part of the path that failed.
    static func make(_ path: String) -> String? {
        var built = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            built += "/\(part)"
            if mkdir(built, 0o700) != 0 && errno != EEXIST {
                return "\(built): \(errnoText())"
            }
        }
        return nil
    }

    /// Why the host must not run code from `path`: a folder another user owns,
    /// or one others may write into. nil when it is safe.
    static func untrusted(_ path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return "\(path): \(errnoText())" }
        if info.st_uid != getuid() {
            return "\(path) is owned by uid \(info.st_uid), not this user (uid \(getuid())): refusing to load code from it"
        }
        if info.st_mode & 0o022 != 0 {
            return "\(path) is writable by other users (mode \(String(info.st_mode & 0o777, radix: 8))): refusing to load code from it"
        }
        return nil
    }
}
