#if canImport(Glibc)
import Glibc
#endif

/// The text of the current `errno`, eg "Permission denied".
@_spi(Neko) public func errnoText() -> String {
    String(cString: strerror(errno))
}

/// Small POSIX pieces the host's threads share.
@_spi(Neko) public enum Posix {
    /// A pipe whose ends are closed on exec (so no child process inherits
    /// them), for waking a thread that waits in `poll`.
    /// - Returns: (read end, write end), or nil with `errno` set.
    @_spi(Neko) public static func wakePipe(nonBlocking: Bool = false) -> (read: Int32, write: Int32)? {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends {
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
            if nonBlocking { _ = fcntl(end, F_SETFL, O_NONBLOCK) }
        }
        return (ends[0], ends[1])
    }
}
