#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// Starting a worker process: finding `neko-worker` and spawning it with
/// its two lanes as descriptors 3 and 4.
enum WorkerProcess {
    /// The `neko-worker` executable: `explicit` (HostOptions.workerExecutable),
    /// else `$NEKO_WORKER`, else beside this process's executable, else on `$PATH`.
    static func locate(_ explicit: String?) -> Result<String, LoadFailure> {
        if let explicit { return .success(explicit) }
        if let variable = getenv("NEKO_WORKER"), variable.pointee != 0 { return .success(String(cString: variable)) }
        var candidates: [String] = []
        var buffer = [CChar](repeating: 0, count: 4096)
        let length = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        if length > 0 {
            let own = String(decoding: buffer[0..<length].map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if let slash = own.lastIndex(of: "/") { candidates.append("\(own[..<slash])/neko-worker") }
        }
        if let path = getenv("PATH") {
            candidates += String(cString: path).split(separator: ":").map { "\($0)/neko-worker" }
        }
        if let found = candidates.first(where: { access($0, X_OK) == 0 }) { return .success(found) }
        return .failure(LoadFailure(.open, "cannot find the neko-worker executable that runs isolated plugins (looked beside this program and on $PATH; set $NEKO_WORKER or HostOptions.workerExecutable)"))
    }

    /// Spawns `executable` with `arguments`; `fast` and `main` become its
    /// descriptors 3 and 4. Its environment is this process's (only the
    /// variables in `inheriting`, when given) with `extra` added.
    /// - Returns: its pid, or why it could not start.
    static func spawn(_ executable: String, arguments: [String], environment extra: [String: String], inheriting: Set<String>? = nil, fast: Int32, main: Int32) -> Result<pid_t, LoadFailure> {
        // dup2 onto itself would keep close-on-exec: move the ends above 4 first.
        let fastEnd = fcntl(fast, F_DUPFD_CLOEXEC, 10)
        let mainEnd = fcntl(main, F_DUPFD_CLOEXEC, 10)
        defer {
            close(fastEnd)
            close(mainEnd)
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fastEnd, 3)
        posix_spawn_file_actions_adddup2(&actions, mainEnd, 4)
        // The worker starts with no signal blocked and every signal at its default.
        var pid: pid_t = 0
        let status = Posix.withSpawnSetup(arguments: [executable] + arguments) { attributes, argv -> Int32 in
            if extra.isEmpty, inheriting == nil { return posix_spawn(&pid, executable, &actions, attributes, argv, environ) }
            var inherited: [String] = []
            var cursor = environ
            while let entry = cursor.pointee {
                let text = String(cString: entry)
                if let equals = text.firstIndex(of: "="), extra[String(text[..<equals])] == nil,
                   inheriting?.contains(String(text[..<equals])) ?? true { inherited.append(text) }
                cursor += 1
            }
            let envp: [UnsafeMutablePointer<CChar>?] = (inherited + extra.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
            defer { envp.forEach { free($0) } }
            return posix_spawn(&pid, executable, &actions, attributes, argv, envp)
        }
        guard status == 0 else {
            return .failure(LoadFailure(.open, "\(executable): cannot start the worker process: \(String(cString: strerror(status)))"))
        }
        return .success(pid)
    }
}
