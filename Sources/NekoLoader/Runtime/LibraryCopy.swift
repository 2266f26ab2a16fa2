#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// Makes the private copy of a plugin library that the host opens.
///
/// The host never maps the `.so` in the plugin folder: a build that rewrites
/// a mapped library in place (as `cp` and linkers do) would crash the process
/// that mapped it. The copy is named by the file's identity (device, inode,
/// size, modification and change times): loading an unchanged library again
/// reuses its copy without reading it, and a rebuilt one gets a new path.
enum LibraryCopy {
    /// Copies `source` into `<cacheDirectory>/<pluginID>/` unless its copy is there.
    ///
    /// The copy is written to a temporary name and renamed into place, so a
    /// half-written copy is never opened; a library that changes while it is
    /// copied (a build still writing it) is refused.
    /// - Returns: the path of the copy.
    static func make(of source: String, pluginID: String, in cacheDirectory: String) throws(LoadFailure) -> String {
        let before = try identity(of: source)
        let folder = "\(cacheDirectory)/\(pluginID)"
        if let problem = Folders.make(folder) {
            throw LoadFailure(.open, "cannot create the library cache folder: \(problem)")
        }
        if let problem = Folders.untrusted(cacheDirectory) ?? Folders.untrusted(folder) {
            throw LoadFailure(.open, "library cache: \(problem)")
        }
        let name = source.split(separator: "/").last.map(String.init) ?? "lib\(pluginID).so"
        let target = "\(folder)/\(before.key)-\(name)"
        var existing = stat()
        if stat(target, &existing) == 0, Int64(existing.st_size) == before.size {
            try PackagedLibraryCheck.check(copy: target, of: source)
            return target
        }
        let temporary = "\(target).\(getpid()).tmp"
        try copy(source, to: temporary)
        guard try identity(of: source) == before else {
            unlink(temporary)
            throw LoadFailure(.open, "\(source): the library changed while it was copied (is a build still writing it?); try again")
        }
        guard rename(temporary, target) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw LoadFailure(.open, "\(target): cannot move the private copy into place: \(reason)")
        }
        try PackagedLibraryCheck.check(copy: target, of: source)
        return target
    }

    /// What names a version of a file: its device, inode, size and times.
    struct Identity: Equatable {
        let size: Int64
        let key: String
    }

    static func identity(of path: String) throws(LoadFailure) -> Identity {
        var info = stat()
        guard stat(path, &info) == 0 else { throw LoadFailure(.open, "\(path): cannot read the library: \(errnoText())") }
        let fields: [UInt64] = [
            UInt64(info.st_dev), UInt64(info.st_ino), UInt64(info.st_size),
            UInt64(bitPattern: Int64(info.st_mtim.tv_sec)), UInt64(info.st_mtim.tv_nsec),
            UInt64(bitPattern: Int64(info.st_ctim.tv_sec)), UInt64(info.st_ctim.tv_nsec),
        ]
        return Identity(size: Int64(info.st_size), key: ContentHash.hex(of: fields))
    }

    /// Copies a file: in the kernel (`sendfile`, no pass through
    /// this process's memory) where the file system allows, else 1 MiB at a time.
    private static func copy(_ source: String, to target: String) throws(LoadFailure) {
        let input = open(source, O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { throw LoadFailure(.open, "\(source): cannot read the library: \(errnoText())") }
        defer { close(input) }
        let output = open(target, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o700)
        guard output >= 0 else { throw LoadFailure(.open, "\(target): cannot write the private copy: \(errnoText())") }
        defer { close(output) }
        while true {
            let moved = sendfile(output, input, nil, 1 << 30)
            if moved > 0 { continue }
            if moved == 0 { return }
            if errno == EINTR { continue }
            // Not supported for these files: copy through a buffer, from where
            // the kernel stopped (it advanced both files' offsets together).
            guard errno == EXDEV || errno == ENOSYS || errno == EINVAL || errno == EOPNOTSUPP else {
                throw LoadFailure(.open, "\(source): cannot copy the library to \(target): \(errnoText())")
            }
            break
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let got = buffer.withUnsafeMutableBytes { Glibc.read(input, $0.baseAddress, $0.count) }
            if got < 0 && errno == EINTR { continue }
            guard got >= 0 else { throw LoadFailure(.open, "\(source): cannot read the library: \(errnoText())") }
            if got == 0 { return }
            var done = 0
            while done < got {
                let put = buffer.withUnsafeBytes { Glibc.write(output, $0.baseAddress! + done, got - done) }
                if put < 0 && errno == EINTR { continue }
                guard put > 0 else { throw LoadFailure(.open, "\(target): cannot write the private copy: \(errnoText())") }
                done += put
            }
        }
    }
}
