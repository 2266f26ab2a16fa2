#if canImport(Glibc)
import Glibc
#endif

/// Makes the private copy of a plugin library that the host opens.
///
/// The host never maps the `.so` in the plugin folder: a build that rewrites
/// a mapped library in place (as `cp` and linkers do) would crash the process
/// that mapped it. The copy is named by its content
/// (`<cache>/<id>/<hash>-<file>`), so loading an unchanged library twice
/// reuses one copy, and a rebuilt one gets a new path.
enum LibraryCopy {
    /// Copies `source` into `cacheDirectory` unless an identical copy is there.
    ///
    /// The copy is written to a temporary name and renamed into place, so a
    /// half-written copy is never opened.
    /// - Returns: the path of the copy.
    static func make(of source: String, pluginID: String, in cacheDirectory: String) throws(LoadFailure) -> String {
        let bytes = try read(source)
        let hash = ContentHash.hex(of: bytes)
        let folder = "\(cacheDirectory)/\(pluginID)"
        if let problem = Folders.make(folder) {
            throw LoadFailure(.open, "cannot create the library cache folder: \(problem)")
        }
        let name = source.split(separator: "/").last.map(String.init) ?? "lib\(pluginID).so"
        let target = "\(folder)/\(hash)-\(name)"
        var existing = stat()
        if stat(target, &existing) == 0, Int(existing.st_size) == bytes.count { return target }
        let temporary = "\(target).\(getpid()).tmp"
        try write(bytes, to: temporary)
        guard rename(temporary, target) == 0 else {
            let reason = errnoText()
            unlink(temporary)
            throw LoadFailure(.open, "\(target): cannot move the private copy into place: \(reason)")
        }
        return target
    }

    private static func read(_ path: String) throws(LoadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw LoadFailure(.open, "\(path): cannot read the library: \(errnoText())") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw LoadFailure(.open, "\(path): cannot stat the library: \(errnoText())") }
        var bytes = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < bytes.count {
            let got = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, $0.count - done) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                throw LoadFailure(.open, "\(path): the library shrank while it was read (is a build writing it?)")
            }
            done += got
        }
        return bytes
    }

    private static func write(_ bytes: [UInt8], to path: String) throws(LoadFailure) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o700)
        guard fd >= 0 else { throw LoadFailure(.open, "\(path): cannot write the private copy: \(errnoText())") }
        defer { close(fd) }
        var done = 0
        while done < bytes.count {
            let put = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + done, $0.count - done) }
            if put < 0, errno == EINTR { continue }
            guard put > 0 else { throw LoadFailure(.open, "\(path): cannot write the private copy: \(errnoText())") }
            done += put
        }
    }
}

/// The text of the current `errno`, eg "Permission denied".
func errnoText() -> String {
    String(cString: strerror(errno))
}
