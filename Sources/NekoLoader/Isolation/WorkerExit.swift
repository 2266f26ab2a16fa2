#if canImport(Glibc)
import Glibc
#endif

/// How an isolated plugin's worker process ended.
public struct WorkerExit: Error, Sendable, Equatable, CustomStringConvertible {
    /// The signal that ended it (eg `SIGSEGV`), or nil when it exited.
    public let signal: Int32?
    /// Its exit status, when it exited.
    public let status: Int32?
    /// Why the host killed it, when it did (a hang, a broken frame, an unload).
    public let killReason: String?
    /// What the host saw when it could not learn how the process ended.
    public let unknown: String?

    /// Reads a `waitpid` status.
    init(waitStatus: Int32, killReason: String?) {
        let low = waitStatus & 0x7f
        if low == 0 {
            signal = nil
            status = (waitStatus >> 8) & 0xff
        } else {
            signal = low
            status = nil
        }
        self.killReason = killReason
        unknown = nil
    }

    /// An end the host could not observe (the process could not be waited for).
    init(unknown reason: String) {
        signal = nil
        status = nil
        killReason = nil
        unknown = reason
    }

    /// The signal's name, eg "SIGSEGV".
    public var signalName: String? {
        signal.map { Self.names[$0] ?? "signal \($0)" }
    }

    /// eg "SIGSEGV (Segmentation fault)", "exited with status 3",
    /// "killed by the host (SIGKILL): entry 'spin' did not answer within 1.2 s".
    public var description: String {
        if let unknown { return "ended in a way the host could not learn: \(unknown)" }
        if let killReason { return "killed by the host (SIGKILL): \(killReason)" }
        if let signal, let name = signalName {
            let text = strsignal(signal).map { String(cString: $0) } ?? ""
            return text.isEmpty ? name : "\(name) (\(text))"
        }
        return "exited with status \(status ?? -1)"
    }

    /// The end as the end of a sentence about the worker: "died of SIGSEGV
    /// (...)", "was killed by the host (SIGKILL): ...", "exited with status 3".
    var verbPhrase: String {
        if killReason != nil { return "was \(description)" }
        if signal != nil { return "died of \(description)" }
        return description
    }

    private static let names: [Int32: String] = [
        SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGTRAP: "SIGTRAP",
        SIGABRT: "SIGABRT", SIGBUS: "SIGBUS", SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV",
        SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM", SIGTERM: "SIGTERM", SIGXCPU: "SIGXCPU", SIGXFSZ: "SIGXFSZ", SIGSYS: "SIGSYS",
    ]
}
