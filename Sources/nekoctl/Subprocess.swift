#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// Runs a program to its end, its standard output and error read together:
/// what `nekoctl dev` runs its builds with.
enum Subprocess {
    /// How a program ended, and what it wrote.
    struct Outcome {
        /// The exit status; 128 + the signal's number when a signal ended it.
        let status: Int32
        /// Its standard output and standard error, interleaved as written.
        let output: String
    }

    /// Runs `program` (found on `$PATH`) with `arguments`, standard input
    /// from /dev/null, and waits for it.
    /// - Returns: the outcome, or why it could not start.
    static func run(_ program: String, _ arguments: [String]) -> Result<Outcome, StartFailure> {
        // Close-on-exec: no other child (an isolated plugin's worker) inherits it.
        guard let pipe = Posix.wakePipe() else { return .failure(StartFailure(message: "cannot make a pipe: \(errnoText())")) }
        let ends = [pipe.read, pipe.write]
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 2)
        // No signal blocked, every one at its default, whatever this thread had.
        var pid: pid_t = 0
        let spawned = Posix.withSpawnSetup(arguments: [program] + arguments) { attributes, argv in
            posix_spawnp(&pid, program, &actions, attributes, argv, environ)
        }
        close(ends[1])
        guard spawned == 0 else {
            close(ends[0])
            return .failure(StartFailure(message: "cannot run \(program): \(String(cString: strerror(spawned)))"))
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
        }
        close(ends[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        let code = status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return .success(Outcome(status: code, output: String(decoding: bytes, as: UTF8.self)))
    }

    /// Why a program could not start.
    struct StartFailure: Error {
        let message: String
    }
}
