#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Whether the machine has CPU to spare: no runnable thread waits for a
/// CPU, from the kernel's count of runnable threads (`/proc/loadavg`, its
/// 4th field: "running/total").
///
/// A spinning waiter costs nobody anything while a CPU is idle, and on a
/// VM an idle vCPU is slow to wake (tens of microseconds): there, the
/// peer's answer comes sooner if both sides keep spinning. When every CPU
/// has work, a spin takes the CPU the peer needs, and the budget adapts.
/// The count is read again every `interval` questions (a read costs a few
/// microseconds), so a waiter sees a change of load within a few calls.
package final class IdleCPU: Sendable {
    private let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    private let spare = Atomic<Bool>(false)
    private let asked = Atomic<Int>(0)
    /// How many questions share one reading.
    package static let interval = 64

    /// The process's view.
    package static let shared = IdleCPU()

    /// Whether, at the last reading, no runnable thread waited for a CPU:
    /// at most one per CPU (the asking thread, and a peer spinning for it,
    /// count among them).
    package func available() -> Bool {
        if asked.wrappingAdd(1, ordering: .relaxed).oldValue % Self.interval == 0 {
            spare.store((Self.runnable() ?? Int.max) <= cpus, ordering: .relaxed)
        }
        return spare.load(ordering: .relaxed)
    }

    /// The number of runnable threads now, or nil when it cannot be read.
    static func runnable() -> Int? {
        let descriptor = open("/proc/loadavg", O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 128)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        guard count > 0 else { return nil }
        // "0.18 0.08 0.03 1/123 456": the number before the slash.
        let text = buffer[0..<count]
        guard let slash = text.firstIndex(of: UInt8(ascii: "/")) else { return nil }
        var start = slash
        while start > text.startIndex, text[start - 1] != UInt8(ascii: " ") { start -= 1 }
        return Int(String(decoding: text[start..<slash], as: UTF8.self))
    }
}
