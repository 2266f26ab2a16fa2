import Foundation

/// Writing files so that a crash leaves either nothing or the whole file.
enum SafeFile {
    /// Creates `path`, which must not exist, with `mode`, writes `contents` and fsyncs it.
    static func createNew(_ path: String, contents: Data, mode: mode_t) throws(PackageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
        guard fd >= 0 else {
            throw PackageError("cannot create \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        do throws(PackageError) {
            try writeAll(fd, contents, path: path)
            guard fchmod(fd, mode) == 0, fsync(fd) == 0 else { throw PackageError("cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch {
            unlink(path)
            throw error
        }
    }

    /// Writes `contents` to a temporary file beside `path`, fsyncs it and renames it over `path`.
    static func replace(_ path: String, contents: Data, mode: mode_t = 0o644) throws(PackageError) {
        let temporary = "\(path).tmp-\(getpid())"
        unlink(temporary)
        try createNew(temporary, contents: contents, mode: mode)
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw PackageError("cannot move \(temporary) to \(path): \(reason)")
        }
        syncFolder((path as NSString).deletingLastPathComponent)
    }

    /// Writes every byte of `data` to `fd`.
    static func writeAll(_ fd: Int32, _ data: Data, path: String) throws(PackageError) {
        let failure: String? = data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return String(cString: strerror(errno))
                }
                offset += written
            }
            return nil
        }
        if let failure { throw PackageError("cannot write \(path): \(failure)") }
    }

    /// fsyncs a folder, so that the names made or renamed in it last.
    static func syncFolder(_ path: String) {
        let fd = open(path.isEmpty ? "." : path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
