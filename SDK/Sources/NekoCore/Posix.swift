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

    /// Runs `body` with what every child the host spawns starts from: spawn
    /// attributes under which no signal is blocked and every signal is at its
    /// default, whatever the spawning thread had (`nekoctl serve` blocks
    /// SIGTERM), and `arguments` as a NULL-terminated `argv`. Both are freed
    /// when `body` returns.
    @_spi(Neko) public static func withSpawnSetup<T>(
        arguments: [String], _ body: (UnsafePointer<posix_spawnattr_t>, [UnsafeMutablePointer<CChar>?]) -> T
    ) -> T {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), all = sigset_t()
        sigemptyset(&none)
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        return body(&attributes, argv)
    }
}
