import NekoPlugin
import Synchronization

/// The example plugin: one entry of each kind the SDK offers.
final class Hello: Plugin {
    static let id = "hello"
    static let version: String? = "1.0.0"

    static let entries: [Entry<Hello>] = [
        Entry("greet", name: "Greet", description: "Returns a greeting for `name`, and tells the host.", Hello.greet),
        Entry("add", description: "Adds two numbers.", Hello.add),
        Entry("stats", description: "How many greetings this instance gave.", Hello.stats),
        Entry("sleep", description: "Waits `ms` milliseconds without holding a thread, then answers.", Hello.sleep),
        Entry("relay", description: "Asks the C greeter (plugin cgreet) to greet `name`.", Hello.relay),
        Entry("forward", description: "Calls `entry` of `plugin` with `arguments` (and `timeout_ms`), through the host.", Hello.forward),
        Entry("fail", description: "Always fails with `message` (other keys are ignored): a thrown error becomes an error result.",
              unknownKeys: .ignored, Hello.fail),
        Entry("echo", description: "Returns its arguments unchanged, as raw bytes.", raw: { _, arguments in Array(arguments) }),
        Entry("noop", description: "Does nothing, as fast as possible (benchmarks).", raw: { _, _ in [] }),
        Entry("ping", description: "Answers true (a typed sync entry with no arguments).", Hello.ping),
        Entry("save", description: "Takes `key` and `value`, answers {\"saved\": true}: the pluggy peer's hook, for benchmarks.", Hello.save),
        Entry("ping_async", description: "Answers true from an async entry (benchmarks its overhead).", Hello.pingAsync),
    ]

    struct Who: Codable, Sendable {
        var name: String
        var excited: Bool?
    }

    struct Greeting: Codable, Sendable {
        var greeting: String
    }

    struct Words: Codable, Sendable {
        var word = "Hello"
        var punctuation = "!"
    }

    struct Operands: Codable, Sendable {
        var a: Double
        var b: Double
    }

    struct Pause: Codable, Sendable {
        var ms: Int
    }

    struct Problem: Codable, Sendable {
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
        guard !who.name.isEmpty else { throw PluginError.invalidArgument("name", "must not be empty") }
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
        guard pause.ms >= 0 else { throw PluginError.invalidArgument("ms", "must be 0 or more, got \(pause.ms)") }
        try await Task.sleep(for: .milliseconds(pause.ms))
        return ["slept": pause.ms]
    }

    func relay(_ who: Who) async throws -> Greeting {
        try await context.call("cgreet", "greet", ["name": who.name], as: Greeting.self)
    }

    struct Pair: Codable, Sendable {
        var key: String
        var value: String
    }

    struct Saved: Codable, Sendable {
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

    struct Forward: Codable, Sendable {
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

    func fail(_ problem: Problem) throws -> Bool {
        throw PluginError.executionFailed(problem.message ?? "failed on request")
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Hello.self, host) }
