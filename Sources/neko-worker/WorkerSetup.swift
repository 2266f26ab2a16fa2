#if canImport(Glibc)
import Glibc
#endif
import NekoABI
import NekoWire

/// The worker's command line.
struct WorkerArguments {
    var library = ""
    var hostName = "neko-host"
    var spinMicroseconds: Int64 = 0
    /// `--spin-fixed`: spin the whole `--spin-us` on every wait (no adaptation).
    var spinFixed = false
    var memoryLimitMiB: UInt64?
    var openFiles: UInt64?
    /// `--sandbox` and what follows it: nil for a plain isolated worker.
    var sandbox: WorkerSandbox?

    /// Reads `argv`; a bad command line ends the process (only a host starts it).
    static func parse(_ argv: [String]) -> WorkerArguments {
        var parsed = WorkerArguments()
        var index = 1
        func value() -> String {
            index += 1
            guard index < argv.count else { usage("\(argv[index - 1]) needs a value") }
            return argv[index]
        }
        while index < argv.count {
            switch argv[index] {
            case "--library": parsed.library = value()
            case "--host-name": parsed.hostName = value()
            case "--spin-us": parsed.spinMicroseconds = Int64(value()) ?? 0
            case "--spin-fixed": parsed.spinFixed = true
            case "--memory-limit-mib": parsed.memoryLimitMiB = UInt64(value())
            case "--open-files": parsed.openFiles = UInt64(value())
            case "--sandbox": parsed.sandbox = parsed.sandbox ?? WorkerSandbox()
            case "--network": parsed.sandbox?.network = value()
            case "--read": parsed.sandbox?.read.append(value())
            case "--write": parsed.sandbox?.write.append(value())
            case "--exec": parsed.sandbox?.exec.append(value())
            case "--connect-port":
                guard let port = UInt16(value()) else { usage("--connect-port needs a port number") }
                parsed.sandbox?.connectPorts.append(port)
            case "--require-sandbox": parsed.sandbox?.required = true
            default: usage("unknown argument '\(argv[index])'")
            }
            index += 1
        }
        if parsed.library.isEmpty { usage("--library is required") }
        return parsed
    }

    private static func usage(_ problem: String) -> Never {
        var text = "neko-worker: \(problem)\nneko-worker runs one plugin for a Neko host; it is started by the host, not by hand.\n"
        text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
        exit(64)
    }
}

/// What the worker does before it opens the plugin.
enum WorkerSetup {
    /// Closes every descriptor but `keeping`: the host's other files are none
    /// of the plugin's business.
    static func closeInheritedDescriptors(keeping: Set<Int32>) {
        guard let folder = opendir("/proc/self/fd") else { return }
        var found: [Int32] = []
        while let entry = readdir(folder) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if let fd = Int32(name), !keeping.contains(fd) { found.append(fd) }
        }
        let own = dirfd(folder)
        closedir(folder)
        for fd in found where fd != own { close(fd) }
    }

    /// Applies `[plugin_runtime]` limits. - Returns: a problem, or nil.
    static func applyLimits(_ arguments: WorkerArguments) -> String? {
        func set(_ resource: __rlimit_resource_t, _ value: UInt64, _ name: String) -> String? {
            var limit = rlimit(rlim_cur: rlim_t(value), rlim_max: rlim_t(value))
            guard setrlimit(resource, &limit) == 0 else {
                return "cannot set \(name) to \(value): \(String(cString: strerror(errno)))"
            }
            return nil
        }
        if let mib = arguments.memoryLimitMiB, let problem = set(__rlimit_resource_t(RLIMIT_AS.rawValue), mib << 20, "the memory limit (RLIMIT_AS)") { return problem }
        if let files = arguments.openFiles, let problem = set(__rlimit_resource_t(RLIMIT_NOFILE.rawValue), files, "the open-files limit (RLIMIT_NOFILE)") { return problem }
        return nil
    }

}
