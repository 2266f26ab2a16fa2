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

    /// Why the host must not run code from `path`, a folder it made: one
    /// another user owns, or others may write into. nil when it is safe.
    static func untrusted(_ path: String) -> String? {
        StrictModes.unsafe(path, rootMayOwn: false).map { "\($0): refusing to load code from it" }
    }
}
