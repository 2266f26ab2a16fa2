#if canImport(Glibc)
import Glibc
#endif
import CSandbox
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire
import Synchronization

/// Tells the host, once per kind, which system call the sandbox denied the
/// plugin (docs/SANDBOX.md): the seccomp filter's SIGSYS handler counts each
/// denial and writes a byte to a pipe; a thread of its own reads the pipe and
/// sends a `log` line at warning level for each call not reported yet, which
/// the host logs under the plugin's id.
enum DenialReporter {
    /// The read end of the pipe; -1: denials are not counted.
    private static let readEnd = Atomic<Int32>(-1)
    private static let started = Atomic<Bool>(false)

    /// Makes the pipe. - Returns: its write end for `neko_seccomp_apply`, or -1.
    static func makePipe() -> Int32 {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { return -1 }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        // The handler must never block; the reader may.
        _ = fcntl(ends[1], F_SETFL, fcntl(ends[1], F_GETFL) | O_NONBLOCK)
        readEnd.store(ends[0], ordering: .releasing)
        return ends[1]
    }

    /// Starts the reader, once the host can take the plugin's log lines
    /// (from `create` on); does nothing when denials are not counted.
    static func start(_ session: WorkerSession, pluginID: String) {
        let descriptor = readEnd.load(ordering: .acquiring)
        guard descriptor >= 0, !started.exchange(true, ordering: .acquiringAndReleasing) else { return }
        DetachedThread.start { report(descriptor, session, pluginID) }
    }

    private static func report(_ descriptor: Int32, _ session: WorkerSession, _ pluginID: String) {
        var reported = Set<Int32>()
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            if count < 0, errno == EINTR { continue }
            guard count > 0 else { return }
            for number in 0..<neko_seccomp_max_syscall() where !reported.contains(number) {
                let times = neko_seccomp_denials(number)
                guard times > 0 else { continue }
                reported.insert(number)
                var name = [CChar](repeating: 0, count: 64)
                _ = neko_seccomp_syscall_name(number, &name, name.count)
                let callName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                let text = "sandbox: \(pluginID) tried \(callName), denied (EPERM): no permission of [plugin.permissions] allows it (reported once)"
                let frame = text.utf8CString.withUnsafeBytes { LogMessage.frame(level: neko_log_level(NEKO_LOG_WARNING), text: UnsafeRawBufferPointer(rebasing: $0.dropLast())) }
                session.send(frame, on: session.main)
            }
        }
    }
}
