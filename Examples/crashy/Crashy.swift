#if canImport(Glibc)
import Glibc
#endif
import NekoPlugin
import Synchronization

/// A plugin that misbehaves on request, to show crash isolation. Its
/// manifest says `isolation = "process"`: each crash or hang ends only its
/// own worker process; the caller gets `plugin_crashed` naming the signal,
/// the host restarts the worker, and every other plugin keeps serving.
final class Crashy: Plugin {
    static let version: String? = "1.0.0"

    static let entries: [Entry<Crashy>] = [
        Entry("pid", description: "Answers the id of the process it runs in, and how many calls this instance served.",
              hints: [.readOnly], Crashy.pid),
        Entry("segfault", description: "Writes through a bad pointer: SIGSEGV.", Crashy.segfault),
        Entry("fatal", description: "Calls fatalError: a Swift trap, which nothing in-process can catch.", Crashy.fatal),
        Entry("abort", description: "Calls abort(): SIGABRT.", Crashy.abort),
        Entry("spin", description: "Loops for ever without answering; its deadline is 300 ms.", timeout: .milliseconds(300), Crashy.spin),
        Entry("hog", description: "Allocates memory without end, until memory_limit stops it.", Crashy.hog),
        Entry("nap", description: "Waits `ms` milliseconds (an async entry), then answers; reports progress 0 of `ms` as it starts.", hints: [.readOnly, .idempotent], Crashy.nap),
    ]

    struct Pause: Codable {
        var ms: Int
    }

    struct Identity: Codable {
        var pid: Int32
        var calls: Int
    }

    private let calls = Mutex(0)

    func pid() -> Identity {
        Identity(pid: getpid(), calls: calls.withLock { $0 += 1; return $0 })
    }

    func nap(_ pause: Pause) async throws -> [String: Int] {
        // The caller learns that the nap is under way (eg before it crashes the worker beside it).
        CallContext.current?.progress(done: 0, total: Double(pause.ms), message: "napping")
        try await Task.sleep(for: .milliseconds(pause.ms))
        return ["slept": pause.ms]
    }

    func segfault() -> Bool {
        UnsafeMutablePointer<Int>(bitPattern: 16)!.pointee = 42
        return false
    }

    func fatal() -> Bool {
        fatalError("crashy was asked to trap")
    }

    func abort() -> Bool {
        Glibc.abort()
    }

    func spin() -> Bool {
        let turns = Atomic<Int>(0)
        while true { turns.wrappingAdd(1, ordering: .relaxed) }
    }

    func hog() -> Int {
        var total = 0
        while true {
            guard let block = malloc(1 << 20) else { fatalError("out of memory after \(total) MiB") }
            memset(block, 1, 1 << 20)
            total += 1
        }
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Crashy.self) }
