#if canImport(Glibc)
import Glibc
#endif
import NekoCore

/// Writes a file so that readers see the old content or the new, never half,
/// and the new content survives a power cut once `write` returns.
///
/// The steps: write a temporary file beside the target, `fsync` it, rename it
/// over the target, `fsync` the folder (so the rename itself is on disk). An
/// error at any step (a full disk, a folder that is not one) throws, naming
/// the file and the cause, and removes the temporary file; the target is then
/// untouched.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(CallError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(temporary, "cannot create") }
        do throws(CallError) {
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw failure(temporary, "cannot write") }
                written += count
            }
            guard fsync(fd) == 0 else { throw failure(temporary, "cannot flush to disk") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let error = failure(temporary, "cannot write")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "cannot replace")
            unlink(temporary)
            throw error
        }
        try syncFolder(of: path)
    }

    /// `fsync` of the folder holding `path`, so that a rename in it is durable.
    private static func syncFolder(of path: String) throws(CallError) {
        let folder = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(folder, "cannot open the folder to flush it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure(folder, "cannot flush the folder to disk") }
    }

    /// `<path>: <what>: <strerror(errno)>`, read before anything else can change `errno`.
    private static func failure(_ path: String, _ what: String) -> CallError {
        CallError(.executionFailed, "\(path): \(what): \(String(cString: strerror(errno)))")
    }
}
