#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import NekoWire

/// The sandbox of a worker with `isolation = "sandbox"` (docs/SANDBOX.md):
/// what the host asked for on the command line, applied before the plugin's
/// library is opened (`dlopen` runs its constructors).
struct WorkerSandbox {
    /// `--network`: `none`, `loopback`, `any` or `ports` (`--connect-port` lists them).
    var network = "none"
    /// `--read`: paths the plugin may read.
    var read: [String] = []
    /// `--write`: paths the plugin may read and write (its data folder among them).
    var write: [String] = []
    /// `--exec`: programs the plugin may run; none: exec fails with EPERM.
    var exec: [String] = []
    /// `--connect-port`: the TCP ports of `network = ["host:port", ...]`.
    var connectPorts: [UInt16] = []
    /// `--require-sandbox`: refuse to run unless everything is enforced.
    var required = false

    /// For tests only: `$NEKO_SANDBOX_SIMULATE_MISSING`, a comma-separated list
    /// of `landlock`, `seccomp`, `netns`, the kernel features to act as if missing.
    static let simulatedMissing: Set<String> = {
        guard let text = getenv("NEKO_SANDBOX_SIMULATE_MISSING") else { return [] }
        return Set(String(cString: text).split(separator: ",").map(String.init))
    }()

    /// Enters an empty network namespace when `network = "none"`: first
    /// thing in `main`, while the process has one thread (unshare of a user
    /// namespace requires it). - Returns: a problem, or nil.
    func enterNetworkNamespace() -> String? {
        guard network == "none" else { return nil }
        if Self.simulatedMissing.contains("netns") { return "network = \"none\": no network namespace (simulated for a test)" }
        let status = neko_enter_empty_network()
        return status == 0 ? nil : "network = \"none\": cannot make an empty network namespace (\(Self.text(status)))"
    }

    /// no_new_privs, Landlock and seccomp. - Returns: what is enforced, with
    /// each permission that is not. `namespaceProblem`: `enterNetworkNamespace`'s.
    func apply(library: String, namespaceProblem: String?) -> SandboxReport {
        var problems: [String] = namespaceProblem.map { [$0] } ?? []
        if neko_no_new_privs() != 0 { problems.append("no_new_privs: \(Self.text(-errno))") }
        let (abi, landlockNetwork) = applyLandlock(library: library, problems: &problems)
        var seccomp = false
        if Self.simulatedMissing.contains("seccomp") {
            problems.append("system calls: no seccomp filter (simulated for a test)")
        } else {
            let status = neko_seccomp_apply(exec.isEmpty ? 1 : 0, DenialReporter.makePipe())
            if status == 0 { seccomp = true } else { problems.append("system calls: cannot load the seccomp filter (\(Self.text(status)))") }
        }
        if problems.count > Self.maximumProblems {  // the frame carries at most 64
            let more = problems.count - Self.maximumProblems + 1
            problems = Array(problems.prefix(Self.maximumProblems - 1)) + ["and \(more) more"]
        }
        return SandboxReport(landlockABI: UInt32(max(abi, 0)), landlockNetwork: landlockNetwork, seccomp: seccomp,
                             networkNamespace: network == "none" && namespaceProblem == nil, problems: problems)
    }

    /// Confines files (and TCP ports, ABI 4+) with Landlock. - Returns: the ABI (0: none) and whether ports are confined.
    private func applyLandlock(library: String, problems: inout [String]) -> (Int32, Bool) {
        let abi = Self.simulatedMissing.contains("landlock") ? -ENOSYS : neko_landlock_abi()
        guard abi > 0 else {
            problems.append("files: Landlock is not available (\(Self.text(abi)))" + (exec.isEmpty ? "" : "; exec: the allowed programs are not enforced"))
            if !connectPorts.isEmpty || network == "none" { problems.append("network ports: Landlock is not available") }
            return (0, false)
        }
        let rights = neko_landlock_fs_rights(abi)
        let readRights = UInt64(NEKO_LL_FS_READ_FILE) | UInt64(NEKO_LL_FS_READ_DIR)
        let writeRights = rights & ~(UInt64(NEKO_LL_FS_EXECUTE) | UInt64(NEKO_LL_FS_MAKE_CHAR) | UInt64(NEKO_LL_FS_MAKE_BLOCK) | UInt64(NEKO_LL_FS_IOCTL_DEV))
        let confinesPorts = abi >= 4 && network != "loopback" && network != "any"
        if abi < 4, network == "ports" { problems.append("network ports: Landlock ABI \(abi) cannot confine TCP ports (ABI 4 can)") }
        let handledNet = confinesPorts ? UInt64(NEKO_LL_NET_BIND_TCP) | UInt64(NEKO_LL_NET_CONNECT_TCP) : 0
        let scoped = abi >= 6 ? UInt64(NEKO_LL_SCOPE_ABSTRACT_UNIX_SOCKET) | UInt64(NEKO_LL_SCOPE_SIGNAL) : 0
        let ruleset = neko_landlock_create(abi, rights, handledNet, scoped)
        guard ruleset >= 0 else {
            problems.append("files: cannot make a Landlock ruleset (\(Self.text(ruleset)))")
            return (0, false)
        }
        func allow(_ path: String, _ access: UInt64, declared: Bool) {
            let status = neko_landlock_allow_path(ruleset, path, access & rights)
            // A path that does not exist is granted nothing, which denies more,
            // not less (plugin.toml's check warned about a declared one).
            if status != 0, status != -ENOENT, declared { problems.append("\(path): not granted (\(Self.text(status)))") }
        }
        for path in Self.systemReadPaths() + [library] { allow(path, readRights, declared: false) }
        if network != "none" { for path in Self.networkFiles { allow(path, readRights, declared: false) } }
        for path in ["/dev/null", "/dev/zero"] { allow(path, readRights | UInt64(NEKO_LL_FS_WRITE_FILE), declared: false) }
        for path in read { allow(path, readRights, declared: true) }
        for path in write { allow(path, writeRights, declared: true) }
        let execute = UInt64(NEKO_LL_FS_EXECUTE) | UInt64(NEKO_LL_FS_READ_FILE)
        if !exec.isEmpty {
            for path in exec { allow(path, execute, declared: true) }
            // The kernel opens a program's ELF interpreter for execution too.
            for path in Self.interpreters { allow(path, execute, declared: false) }
        }
        if confinesPorts {
            for port in connectPorts where neko_landlock_allow_port(ruleset, UInt64(port), UInt64(NEKO_LL_NET_CONNECT_TCP)) != 0 {
                problems.append("network: port \(port) not granted")
            }
        }
        let status = neko_landlock_enforce(ruleset)
        guard status == 0 else {
            problems.append("files: cannot enforce the Landlock ruleset (\(Self.text(status)))")
            return (0, false)
        }
        return (abi, confinesPorts)
    }

    /// What the worker itself and a plugin's libraries read: the system
    /// library folders, every folder a library already mapped in this process
    /// comes from (the Swift runtime's), the dynamic loader's cache, time zones,
    /// this process's /proc entries, the CPU count and load.
    static func systemReadPaths() -> [String] {
        var paths = ["/lib", "/lib64", "/usr/lib", "/usr/lib64", "/etc/ld.so.cache", "/etc/localtime", "/usr/share/zoneinfo",
                     "/proc/self", "/proc/loadavg", "/proc/stat", "/proc/cpuinfo", "/proc/meminfo",
                     "/sys/devices/system/cpu", "/sys/fs/cgroup", "/dev/urandom", "/dev/random"]
        paths += mappedLibraryFolders().filter { !paths.contains($0) }
        return paths
    }

    /// The most problems a `sandbox` frame carries.
    static let maximumProblems = 64

    /// Read when the plugin may use the network: name resolution.
    static let networkFiles = ["/etc/resolv.conf", "/etc/hosts", "/etc/nsswitch.conf", "/etc/host.conf", "/etc/gai.conf", "/etc/services"]

    /// The dynamic loaders a program names as its interpreter.
    static let interpreters = ["/lib64/ld-linux-x86-64.so.2", "/lib/ld-linux-aarch64.so.1", "/lib/ld-linux-x86-64.so.2"]

    /// The folders of the shared libraries mapped in this process (/proc/self/maps).
    static func mappedLibraryFolders() -> [String] {
        guard let file = fopen("/proc/self/maps", "r") else { return [] }
        defer { fclose(file) }
        var folders: [String] = []
        var line = [CChar](repeating: 0, count: 4096)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            guard let slash = text.firstIndex(of: "/"), text.contains(".so") else { continue }
            let path = text[slash...]
            guard let last = path.lastIndex(of: "/") else { continue }
            let folder = String(path[..<last])
            if !folder.isEmpty, !folders.contains(folder) { folders.append(folder) }
        }
        return folders
    }

    static func text(_ negativeErrno: Int32) -> String {
        String(cString: strerror(-negativeErrno))
    }
}
