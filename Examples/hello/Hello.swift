import NekoPlugin
import Synchronization

/// The example plugin: one entry of each kind the SDK offers.
final class Hello: Plugin {
    static let version: String? = "1.0.0"

    static let entries: [Entry<Hello>] = [
        Entry("greet", name: "Greet", description: "Returns a greeting for `name`, and tells the host.", Hello.greet),
        Entry("add", description: "Adds two numbers.", hints: [.readOnly, .idempotent], Hello.add),
        Entry("stats", description: "How many greetings this instance gave.", hints: [.readOnly, .idempotent], Hello.stats),
        Entry("sleep", description: "Waits `ms` milliseconds without holding a thread, then answers; reports progress 0 of `ms` as it starts.", hints: [.readOnly, .idempotent], Hello.sleep),
        Entry("relay", description: "Asks the C greeter (plugin cgreet) to greet `name`.", Hello.relay),
        Entry("forward", description: "Calls `entry` of `plugin` with `arguments` (and `timeout_ms`), through the host.", Hello.forward),
        Entry("fail", description: "Always fails with `message` (other keys are ignored): a thrown error becomes an error result.",
              unknownKeys: .ignored, hints: [.readOnly, .idempotent], Hello.fail),
        Entry("echo", description: "Returns its arguments unchanged, as raw bytes.", hints: [.readOnly, .idempotent], raw: { _, arguments in Array(arguments) }),
        Entry("noop", description: "Does nothing, as fast as possible (benchmarks).", hints: [.readOnly, .idempotent], raw: { _, _ in [] }),
        Entry("ping", description: "Answers true (a typed sync entry with no arguments).", hints: [.readOnly, .idempotent], Hello.ping),
        Entry("save", description: "Takes `key` and `value`, answers {\"saved\": true} and keeps nothing: the pluggy peer's hook, for benchmarks.",
              hints: [.readOnly, .idempotent], Hello.save),
        Entry("ping_async", description: "Answers true from an async entry (benchmarks its overhead).", hints: [.readOnly, .idempotent], Hello.pingAsync),
        Entry("count", description: "Counts from 1 to `to` (0 to 1000), reporting its progress at each step, and answers the count.",
              hints: [.readOnly, .idempotent], Hello.count),
        Entry("context", description: "Answers the context of its call: who called, how deep, its id, the time left.",
              hints: [.readOnly, .idempotent], Hello.callContext),
    ]

    struct Who: Codable {
        var name: String
        var excited: Bool?
    }

    struct Greeting: Codable {
        var greeting: String
    }

    struct Words: Codable {
        var word = "Hello"
        var punctuation = "!"
    }

    struct Operands: Codable {
        var a: Double
        var b: Double
    }

    struct Pause: Codable {
        var ms: Int
    }

    struct Problem: Codable {
        var message: String?
    }

    private let context: PluginContext
    private let words: Words
    private let greetings = Mutex(0)

    init(context: PluginContext) throws {
        self.context = context
        words = try context.config("greeting", as: Words.self)
    }

    func startup() async throws {
        context.logger.info("hello is up, greeting with '\(words.word)'")
    }

    func greet(_ who: Who) throws -> Greeting {
        guard !who.name.isEmpty else { throw CallError.invalidArgument("name", "must not be empty") }
        greetings.withLock { $0 += 1 }
        context.emit("greeted", ["name": who.name])
        let end = who.excited == true ? words.punctuation + words.punctuation : words.punctuation
        return Greeting(greeting: "\(words.word), \(who.name)\(end)")
    }

    func add(_ operands: Operands) -> [String: Double] {
        ["sum": operands.a + operands.b]
    }

    func stats() -> [String: Int] {
        ["greetings": greetings.withLock { $0 }]
    }

    func sleep(_ pause: Pause) async throws -> [String: Int] {
        guard pause.ms >= 0 else { throw CallError.invalidArgument("ms", "must be 0 or more, got \(pause.ms)") }
        // The caller (`nekoctl call --progress`, a test) learns that the wait has begun.
        CallContext.current?.progress(done: 0, total: Double(pause.ms), message: "sleeping")
        try await Task.sleep(for: .milliseconds(pause.ms))
        return ["slept": pause.ms]
    }

    func relay(_ who: Who) async throws -> Greeting {
        try await context.call("cgreet", "greet", ["name": who.name], as: Greeting.self)
    }

    struct Pair: Codable {
        var key: String
        var value: String
    }

    struct Saved: Codable {
        var saved = true
    }

    func save(_ pair: Pair) -> Saved {
        Saved()
    }

    func ping() -> Bool {
        true
    }

    func pingAsync() async -> Bool {
        true
    }

    struct Forward: Codable {
        var plugin: String
        var entry: String
        var arguments: JSON?
        var timeout_ms: Int?
    }

    func forward(_ request: Forward) async throws -> JSON {
        let bytes = try await context.callRaw(
            request.plugin, request.entry, (request.arguments ?? [:]).serialized(),
            timeout: request.timeout_ms.map { .milliseconds($0) })
        return bytes.isEmpty ? .null : try JSON.parse(bytes)
    }

    struct Count: Codable {
        var to: Int
    }

    /// Reports progress through the call's context: a no-op on a 1.0 host, or when nobody listens.
    func count(_ count: Count) async throws -> [String: Int] {
        guard (0...1000).contains(count.to) else { throw CallError.invalidArgument("to", "must be from 0 to 1000, got \(count.to)") }
        let context = CallContext.current
        for step in 0..<count.to {
            try Task.checkCancellation()
            context?.progress(done: Double(step + 1), total: Double(count.to), message: "counted \(step + 1)")
            await Task.yield()
        }
        return ["counted": count.to]
    }

    struct Context: Codable {
        /// The calling plugin's id, or nil for a client.
        var caller: String?
        /// 1 for a client's call; nil from a 1.0 host.
        var depth: Int?
        var call_id: UInt64
        /// Milliseconds until the caller stops waiting, or nil for no deadline.
        var ms_left: Int?
    }

    func callContext() -> Context {
        let context = CallContext.current
        let left = context?.deadline.map { Int(ContinuousClock.now.duration(to: $0) / .milliseconds(1)) }
        return Context(caller: context?.caller, depth: context?.depth, call_id: context?.callID ?? 0, ms_left: left)
    }

    func fail(_ problem: Problem) throws -> Bool {
        throw CallError.executionFailed(problem.message ?? "failed on request")
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Hello.self) }
