import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

#if canImport(Glibc)
import Glibc
#endif

/// `nekoctl call ID ENTRY [ARGS...]`: calls an entry and prints its result.
struct Call: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Call a plugin's entry and print its result as JSON.",
        discussion: """
            Arguments: key=value (a string), key:=json (any JSON value), or one JSON object \
            ('{...}' or --args '{...}'; '-' reads it from standard input). \
            An error result prints 'error: CODE: message' on standard error and exits 1.
            Example: nekoctl call hello greet name=Ada excited:=true
            """)

    @OptionGroup var host: HostOptionsGroup

    @Argument(help: "The plugin id, eg hello.")
    var id: String

    @Argument(help: "The entry id, eg greet.")
    var entry: String

    @Argument(help: ArgumentHelp("key=value, key:=json, a JSON object, or '-'.", valueName: "args"))
    var arguments: [String] = []

    @Option(name: .customLong("args"), help: ArgumentHelp("The arguments as one JSON object, or '-' for standard input.", valueName: "json"))
    var argumentsObject: String?

    @Option(help: ArgumentHelp("The call's deadline in seconds (the entry's own, if smaller, wins).", valueName: "seconds"))
    var timeout: Double?

    @Flag(help: "Print the entry's progress reports on standard error, as 'progress: 3/10 message'.")
    var progress = false

    @OptionGroup var server: ServerOptionsGroup

    func validate() throws {
        if let timeout, !(timeout > 0) { throw ValidationError("--timeout must be a positive number of seconds, got \(timeout)") }
    }

    func run() async throws {
        let payload = try CallArguments.build(object: argumentsObject, pairs: arguments)
        if let running = server.runningServer(for: host) {
            var request: JSONObject = ["plugin": .string(id), "entry": .string(entry), "args": payload]
            if let timeout { request["timeout_ms"] = .int(max(1, Int64(timeout * 1000))) }
            if progress { request["progress"] = true }
            // The server bounds the call; this only bounds the wait for its answer.
            let result = try running.request("call", request, timeout: .seconds(Int64(timeout ?? 600) + 30)) { event in
                guard event["event"] == "progress" else { return }
                let report = CallProgress(
                    done: event["done"]?.doubleValue ?? 0, total: event["total"]?.doubleValue,
                    message: event["message"]?.stringValue ?? "")
                Terminal.error("progress: \(report.line)")
            }
            Terminal.out(result.prettyPrinted())
            return
        }
        let plugins = host.makeHost()
        plugins.discover()
        let outcome: Result<[UInt8], CallError>
        do {
            var printer: (@Sendable (CallProgress) -> Void)?
            if progress { printer = { report in Terminal.error("progress: \(report.line)") } }
            outcome = .success(try await plugins.call(
                id, entry, arguments: payload.serialized(), timeout: timeout.map { .milliseconds(Int64($0 * 1000)) }, progress: printer))
        } catch {
            outcome = .failure(error)
        }
        plugins.shutdown()
        for await message in plugins.messages {
            Terminal.error("message from \(message.plugin): \(message.topic) \(message.payload.description)")
        }
        switch outcome {
        case .success(let bytes):
            Terminal.out(Self.pretty(bytes))
        case .failure(let error):
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }

    /// The result pretty-printed; bytes that are not JSON are shown as they are.
    static func pretty(_ bytes: [UInt8]) -> String {
        if bytes.isEmpty { return "null" }
        guard let value = try? JSON.parse(bytes) else { return String(decoding: bytes, as: UTF8.self) }
        return value.prettyPrinted()
    }
}

/// Builds the arguments object of `nekoctl call` from the command line.
enum CallArguments {
    /// `object` (a JSON object, or "-" for stdin) merged with `pairs`
    /// (`key=value`, `key:=json`, or one JSON object / "-" among them).
    /// - Throws: a `ValidationError` naming the argument at fault.
    static func build(object: String?, pairs: [String]) throws -> JSON {
        var result: JSONObject = [:]
        var sources = pairs
        if let object { sources.insert(object, at: 0) }
        for argument in sources {
            if argument == "-" || argument.hasPrefix("{") {
                let text = argument == "-" ? readStandardInput() : argument
                let value: JSON
                do { value = try JSON.parse(text) } catch {
                    throw ValidationError("the arguments object \(argument == "-" ? "read from standard input" : "'\(argument)'") is not valid JSON: \(error)")
                }
                guard case .object(let members) = value else {
                    throw ValidationError("the arguments must be a JSON object, got \(value.typeName)")
                }
                for (key, value) in members { result[key] = value }
            } else if let range = argument.range(of: ":=") {
                let key = String(argument[..<range.lowerBound])
                let text = String(argument[range.upperBound...])
                guard !key.isEmpty else { throw ValidationError("'\(argument)': expected key:=json with a key before ':='") }
                do { result[key] = try JSON.parse(text) } catch {
                    throw ValidationError("'\(argument)': the value of '\(key)' is not valid JSON (\(error)); for a string use \(key)=\(text)")
                }
            } else if let equals = argument.firstIndex(of: "=") {
                let key = String(argument[..<equals])
                guard !key.isEmpty else { throw ValidationError("'\(argument)': expected key=value with a key before '='") }
                result[key] = .string(String(argument[argument.index(after: equals)...]))
            } else {
                throw ValidationError("'\(argument)': expected key=value, key:=json, a JSON object or '-'")
            }
        }
        return .object(result)
    }

    private static func readStandardInput() -> String {
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count <= 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
