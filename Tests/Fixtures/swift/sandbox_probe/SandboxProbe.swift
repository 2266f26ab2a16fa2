#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import NekoPlugin

/// A hostile Swift plugin for the sandbox tests (SandboxTests): each entry
/// tries what a sandbox governs and answers what the kernel said. The C
/// probe (Tests/Fixtures/c/sandbox_probe.c) tries the rest.
final class SandboxProbe: Plugin {
    static let id = "hostile_swift"

    static let entries: [Entry<SandboxProbe>] = [
        Entry("read", description: "Reads the file at `path`.", SandboxProbe.read),
        Entry("write", description: "Creates the file at `path` and writes to it.", SandboxProbe.write),
        Entry("connect", description: "Connects to 127.0.0.1:`port` over TCP.", SandboxProbe.connect),
        Entry("spawn", description: "Runs the program at `path` and waits for it.", SandboxProbe.spawn),
        Entry("data", description: "The data folder.", SandboxProbe.data),
    ]

    struct Path: Codable, Sendable { var path: String }
    struct Port: Codable, Sendable { var port: UInt16 }
    /// `errno` 0: it worked; `value`: what was read, or the exit status.
    struct Outcome: Codable, Sendable { var errno: Int32; var value: String }

    private let dataFolder: String

    init(context: PluginContext) { dataFolder = context.dataFolder.path }

    func read(_ file: Path) -> Outcome {
        let descriptor = open(file.path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return Outcome(errno: errno, value: "") }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = Glibc.read(descriptor, &buffer, buffer.count)
        guard count >= 0 else { return Outcome(errno: errno, value: "") }
        return Outcome(errno: 0, value: String(decoding: buffer[..<count], as: UTF8.self))
    }

    func write(_ file: Path) -> Outcome {
        let descriptor = open(file.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { return Outcome(errno: errno, value: "") }
        defer { close(descriptor) }
        let written = Array("from Swift".utf8).withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        return Outcome(errno: written < 0 ? errno : 0, value: "")
    }

    func connect(_ target: Port) -> Outcome {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { return Outcome(errno: errno, value: "") }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = target.port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        return Outcome(errno: status == 0 ? 0 : errno, value: "")
    }

    func spawn(_ program: Path) -> Outcome {
        var pid: pid_t = 0
        let argv: [UnsafeMutablePointer<CChar>?] = [strdup(program.path), nil]
        defer { free(argv[0]) }
        let status = posix_spawn(&pid, program.path, nil, nil, argv, environ)
        guard status == 0 else { return Outcome(errno: status, value: "") }
        var exit: Int32 = 0
        _ = waitpid(pid, &exit, 0)
        return Outcome(errno: 0, value: "\(exit)")
    }

    func data() -> String { dataFolder }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(SandboxProbe.self) }
