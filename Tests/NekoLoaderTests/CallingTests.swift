import Foundation
import Synchronization
@_spi(Neko) import NekoCore
@testable import NekoLoader
import Testing

/// Calling real plugins: results, errors as data, async entries, deadlines,
/// cancellation, messages, configuration, and many threads at once.
@Suite(.timeLimit(.minutes(2))) struct CallingTests {
    let workspace: Workspace
    let host: PluginHost

    init() throws {
        workspace = try Workspace()
        try workspace.install("hello")
        try workspace.install("cgreet")
        try workspace.fixture("async_c", as: "asyncc")
        host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
    }

    /// The host of `init` (in-process), or a host that runs every plugin in
    /// a worker process: the same tests hold for both.
    func makeHost(isolated: Bool) throws -> PluginHost {
        guard isolated else { return host }
        var options = workspace.options()
        options.isolateAll = true
        let isolated = PluginHost(options: options)
        let report = isolated.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        #expect(isolated.plugins.allSatisfy { $0.isolation == .process && $0.workerPID != nil })
        return isolated
    }

    struct Greeting: Codable, Equatable { var greeting: String }

    @Test(arguments: [false, true]) func typedCallsRoundTrip(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let greeting = try await host.call("hello", "greet", ["name": "Ada"], as: Greeting.self)
        #expect(greeting == Greeting(greeting: "Hello, Ada!"))
        let sum = try await host.call("hello", "add", ["a": 2, "b": 40.5], as: [String: Double].self)
        #expect(sum == ["sum": 42.5])
        let excited = try host.callBlocking("hello", "greet", arguments: #"{"name":"Grace","excited":true}"#.bytes)
        #expect(excited.text == #"{"greeting":"Hello, Grace!!"}"#)
    }

    @Test(arguments: [false, true]) func rawEntriesPassBytesThrough(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let input = #"{"any":[1,2,{"x":null}],"s":"\u00e9"}"#
        #expect(try host.callBlocking("hello", "echo", arguments: input.bytes).text == input)
        #expect(try host.callBlocking("hello", "noop", arguments: []).isEmpty)
        #expect(try host.callBlocking("cgreet", "echo", arguments: input.bytes).text == input)
    }

    @Test(arguments: [false, true]) func aPluginCallsAnotherThroughTheHost(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let greeting = try await host.call("hello", "relay", ["name": "Linus"], as: Greeting.self)
        #expect(greeting == Greeting(greeting: "Hello, Linus!"), "relay asks the C plugin, whose greeting has no config")
    }

    @Test(arguments: [false, true]) func aCallBetweenPluginsHasADeadline(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        // asyncc:never never answers: only the deadline can end this call.
        let error = try await #require(throws: CallError.self) {
            try await host.call("hello", "forward", arguments: #"{"plugin":"asyncc","entry":"never","timeout_ms":50}"#.bytes)
        }
        #expect(error.code == .timeout)
        // The budget named is the caller's own 50 ms (its timeout_ms), however
        // long the call took to reach the host (isolated: the frame's trip).
        #expect(error.message == "asyncc:never (called by hello) did not answer within 0.05 seconds", "\(error.message)")
        let missing = try await #require(throws: CallError.self) {
            try await host.call("hello", "forward", arguments: #"{"plugin":"nope","entry":"x"}"#.bytes)
        }
        #expect(missing.code == .notFound)
    }

    @Test(arguments: [false, true]) func unknownPluginAndEntryAreNotFound(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        #expect(throws: CallError(.notFound, "no plugin 'nope' (installed: asyncc, cgreet, hello)")) {
            try host.callBlocking("nope", "greet", arguments: [])
        }
        let error = try #require(throws: CallError.self) { try host.callBlocking("hello", "gret", arguments: []) }
        #expect(error.code == .notFound)
        #expect(error.message == "plugin 'hello' has no entry 'gret' (it has: greet, add, stats, sleep, relay, forward, fail, echo, noop, ping, save, ping_async, count, context)")
    }

    @Test(arguments: [
        (#"{"name":42}"#, "name", "must be a string"),
        (#"{}"#, "name", "missing required argument 'name'"),
        (#"{"name":"Ada","excited":"yes"}"#, "excited", "must be a boolean"),
        (#"{"name":""}"#, "name", "must not be empty"),
    ])
    func invalidArgumentsNameTheField(arguments: String, field: String, message: String) throws {
        let error = try #require(throws: CallError.self) { try host.callBlocking("hello", "greet", arguments: arguments.bytes) }
        #expect(error.code == .invalidArgument)
        #expect(error.field == field)
        #expect(error.message.contains(message), "message was: \(error.message)")
    }

    @Test(arguments: [false, true]) func everyFailingArgumentIsReportedAtOnceAndUnknownKeysAreRefused(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let sum = try #require(throws: CallError.self) { try host.callBlocking("hello", "add", arguments: #"{"a":"x","b":true,"c":1}"#.bytes) }
        #expect(sum.code == .invalidArgument)
        #expect(sum.field == "a")
        #expect(sum.message == #"argument 'a' must be a number, got "x"; argument 'b' must be a number, got true; unexpected argument 'c'"#)
        let typo = try #require(throws: CallError.self) { try host.callBlocking("hello", "greet", arguments: #"{"nmae":"Ada"}"#.bytes) }
        #expect(typo.field == "name")
        #expect(typo.message == "missing required argument 'name'; unexpected argument 'nmae' (did you mean 'name'?)")
        // An entry without arguments takes none...
        let ping = try #require(throws: CallError.self) { try host.callBlocking("hello", "ping", arguments: #"{"x":1}"#.bytes) }
        #expect(ping == CallError(.invalidArgument, "unexpected argument 'x'", field: "x"))
        #expect(try host.callBlocking("hello", "ping", arguments: "{}".bytes) == "true".bytes)
        // ...and an entry that opted out (`unknownKeys: .ignored`) skips what it does not read.
        let failed = try #require(throws: CallError.self) {
            try host.callBlocking("hello", "fail", arguments: #"{"message":"disk full","retry":true}"#.bytes)
        }
        #expect(failed == CallError(.executionFailed, "disk full"))
    }

    @Test(arguments: [false, true]) func argumentsThatAreNotJSONAreInvalid(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let error = try #require(throws: CallError.self) { try host.callBlocking("hello", "greet", arguments: #"{"name":"#.bytes) }
        #expect(error.code == .invalidArgument)
        #expect(error.message.contains("not valid JSON"))
        let c = try #require(throws: CallError.self) { try host.callBlocking("cgreet", "greet", arguments: #"{"nom":"x"}"#.bytes) }
        #expect(c.code == .invalidArgument)
        #expect(c.field == "name")
    }

    @Test(arguments: [false, true]) func aThrowingEntryIsAnErrorResultAndTheHostGoesOn(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let error = try #require(throws: CallError.self) {
            try host.callBlocking("hello", "fail", arguments: #"{"message":"disk full"}"#.bytes)
        }
        #expect(error == CallError(.executionFailed, "disk full"))
        for round in 0..<3 {
            #expect(throws: CallError.self) { try host.callBlocking("hello", "fail", arguments: []) }
            let sum = try NekoJSONDecoder().decode([String: Double].self, from: host.callBlocking("hello", "add", arguments: #"{"a":\#(round),"b":1}"#.bytes))
            #expect(sum["sum"] == Double(round + 1))
        }
    }

    @Test(arguments: [false, true]) func asyncEntriesCompleteLaterBothWays(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        #expect(try await host.call("hello", "sleep", arguments: #"{"ms":20}"#.bytes).text == #"{"slept":20}"#)
        #expect(try host.callBlocking("hello", "sleep", arguments: #"{"ms":5}"#.bytes).text == #"{"slept":5}"#)
        #expect(try await host.call("asyncc", "later", arguments: []).text == #"{"done":true}"#)
        #expect(try host.callBlocking("asyncc", "later", arguments: []).text == #"{"done":true}"#)
    }

    @Test(arguments: [false, true]) func aDeadlineEndsInTimeoutAndCancelsThePluginsWork(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        // sleep would answer after 10 s and never would not answer: a timeout
        // code proves the deadline ended each call.
        let error = try #require(throws: CallError.self) {
            try host.callBlocking("hello", "sleep", arguments: #"{"ms":10000}"#.bytes, timeout: .milliseconds(50))
        }
        #expect(error.code == .timeout)
        #expect(error.message == "hello:sleep did not answer within 0.05 seconds")
        let never = try await #require(throws: CallError.self) {
            try await host.call("asyncc", "never", arguments: [], timeout: .milliseconds(30))
        }
        #expect(never.code == .timeout)
    }

    @Test func theSmallerOfTheCallersAndTheEntrysDeadlineWins() {
        let own = EntryInfo(id: "e", name: "e", description: "", schema: [:], isAsync: true, timeout: .seconds(10))
        let none = EntryInfo(id: "e", name: "e", description: "", schema: [:], isAsync: true, timeout: nil)
        #expect(host.deadline(.milliseconds(50), own) == .milliseconds(50))
        #expect(host.deadline(.seconds(20), own) == .seconds(10))
        #expect(host.deadline(nil, own) == .seconds(10))
        #expect(host.deadline(nil, none) == host.options.defaultTimeout)
    }

    @Test(arguments: [false, true]) func cancelingTheCallerCancelsTheCall(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        // `never` reports progress once it holds the call: cancel then, with the call in flight.
        let held = Happenings<CallProgress>()
        let task = Task { try await host.call("asyncc", "never", arguments: [], progress: { held.record($0) }) }
        let holding = await held.waitAsync("asyncc:never to hold the call")
        try #require(holding)
        #expect(held.all.first?.message == "pending")
        task.cancel()
        let outcome = await task.result
        guard case .failure(let error as CallError) = outcome else {
            Issue.record("expected a CallError, got \(outcome)")
            return
        }
        #expect(error.code == .canceled)
    }

    @Test(arguments: [false, true]) func messagesReachTheHost(isolated: Bool) async throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        _ = try host.callBlocking("hello", "greet", arguments: #"{"name":"Ada"}"#.bytes)
        var iterator = host.messages.makeAsyncIterator()
        let message = await iterator.next()
        #expect(message == PluginMessage(plugin: "hello", topic: "greeted", payload: ["name": "Ada"]))
    }

    @Test(arguments: [false, true]) func eightThreadsTimesTenThousandCallsAllExact(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let greet = try host.entry("hello", "greet")
        let count = try host.entry("cgreet", "count")
        let before = try NekoJSONDecoder().decode([String: Int].self, from: host.callBlocking("hello", "stats", arguments: []))["greetings"] ?? -1
        let wrong = Mutex(0)
        // Eight real threads, calling at once through one handle each.
        DispatchQueue.concurrentPerform(iterations: 8) { worker in
            var mistakes = 0
            for call in 0..<10_000 {
                let name = "w\(worker)c\(call)"
                let result = try? greet.callBlocking(#"{"name":"\#(name)"}"#.bytes)
                if result?.text != #"{"greeting":"Hello, \#(name)!"}"# { mistakes += 1 }
                if (try? count.callBlocking([])) == nil { mistakes += 1 }
            }
            wrong.withLock { $0 += mistakes }
        }
        #expect(wrong.withLock { $0 } == 0)
        let after = try NekoJSONDecoder().decode([String: Int].self, from: host.callBlocking("hello", "stats", arguments: []))
        #expect(after["greetings"] == before + 80_000)
        let counted = try NekoJSONDecoder().decode([String: Int].self, from: host.callBlocking("cgreet", "count", arguments: []))
        #expect(counted["count"] == 80_001)
    }

    @Test func theManifestsOwnTablesAreThePluginsConfig() throws {
        let folder = "\(workspace.root)/hello"
        let other = try Workspace()
        try FileManager.default.copyItem(atPath: folder, toPath: "\(other.root)/hello")
        try FileManager.default.copyItem(atPath: "\(workspace.root)/cgreet", toPath: "\(other.root)/cgreet")
        let manifest = "\(other.root)/hello/plugin.toml"
        try String(contentsOfFile: manifest, encoding: .utf8).replacingOccurrences(of: #"word = "Hello""#, with: #"word = "Bonjour""#)
            .write(toFile: manifest, atomically: true, encoding: .utf8)
        let host = other.host()
        defer { host.shutdown() }
        host.loadAll()
        #expect(try host.callBlocking("hello", "greet", arguments: #"{"name":"Ada"}"#.bytes).text == #"{"greeting":"Bonjour, Ada!"}"#)
    }

    @Test(arguments: [false, true]) func callsAfterShutdownAreUnavailableNotCrashes(isolated: Bool) throws {
        let host = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let greet = try host.entry("cgreet", "greet")
        host.shutdown()
        #expect(throws: CallError(.unavailable, "plugin 'cgreet' is stopping or stopped")) {
            try greet.callBlocking(#"{"name":"x"}"#.bytes)
        }
        #expect(throws: CallError(.unavailable, "plugin 'cgreet' is unavailable: the host has shut down")) {
            try host.callBlocking("cgreet", "greet", arguments: #"{"name":"x"}"#.bytes)
        }
    }
}
