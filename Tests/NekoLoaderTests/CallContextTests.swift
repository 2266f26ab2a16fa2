import Foundation
import NekoABI
@_spi(Neko) import NekoCore
import NekoLoader
import Synchronization
import Testing

/// ABI 1.1 from a real C plugin (Tests/Fixtures/c/context.c): the context
/// every call carries (deadline, caller, depth), a chain of calls bounded by
/// the host, progress reports, a plugin canceling its own outgoing call,
/// host-side argument checks, hints and a result schema.
@Suite(.timeLimit(.minutes(3))) struct CallContextTests {
    func makeHost(isolated: Bool = false, abi: String = "1.1") throws -> (PluginHost, Workspace) {
        let workspace = try Workspace()
        workspace.isolateAll = isolated
        try workspace.writeManifest("ctx", abi: abi)
        try workspace.compile("ctx", source: "\(Workspace.repository)/Tests/Fixtures/c/context.c")
        let host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        return (host, workspace)
    }

    func object(_ bytes: [UInt8]) throws -> JSONObject {
        guard case .object(let members) = try JSON.parse(bytes) else { throw CallError(.internal, "not an object: \(bytes.text)") }
        return members
    }

    @Test(arguments: [false, true])
    func aClientCallCarriesItsDeadlineNoCallerAndDepthOne(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let context = try object(host.callBlocking("ctx", "whoami", arguments: [], timeout: .seconds(30)))
        #expect(context["caller"] == .null)
        #expect(context["depth"]?.intValue == 1)
        #expect(context["parent"] == .bool(false))
        // The deadline the plugin reads is the one the caller set: ahead, and no further than 30 s.
        let left = try #require(context["deadline_left_ms"]?.intValue)
        #expect(left > 0 && left <= 30_000)
        // Every call has an id of its own, a sync one too.
        let again = try object(host.callBlocking("ctx", "whoami", arguments: []))
        let ids = [context["call_id"]?.intValue, again["call_id"]?.intValue]
        #expect(ids.allSatisfy { ($0 ?? 0) > 0 } && ids[0] != ids[1], "\(ids)")
    }

    @Test(arguments: [false, true])
    func aPluginsCallNamesItsCallerAndIsOneDeeper(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        for entry in ["relay", "relay_named"] {
            let context = try object(host.callBlocking("ctx", entry, arguments: [], timeout: .seconds(20)))
            #expect(context["caller"] == .string("ctx"), "\(entry)")
            #expect(context["depth"]?.intValue == 2, "\(entry): the host knows the parent with or without `parent`")
            #expect(context["parent"] == .bool(false), "\(entry): the host's call to the callee names no parent")
            // Inherited: the callee's deadline is the client's 20 s, not its own default.
            let left = try #require(context["deadline_left_ms"]?.intValue)
            #expect(left > 0 && left <= 20_000, "\(entry)")
        }
    }

    @Test(arguments: [false, true])
    func aChainDeeperThanTheBoundFailsNamingIt(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let error = try #require(throws: CallError.self) { try host.callBlocking("ctx", "recurse", arguments: []) }
        #expect(error.code == .unavailable)
        #expect(error.message.contains("call chain too deep"), "\(error.message)")
        #expect(error.message.contains("client → ctx:recurse → ctx:recurse"), "\(error.message)")
        #expect(error.message.contains("call 17"), "\(error.message)")
        #expect(error.message.contains("HostOptions.maxCallDepth"), "\(error.message)")
        // The host is still sound.
        #expect(try object(host.callBlocking("ctx", "whoami", arguments: []))["depth"]?.intValue == 1)
    }

    @Test func theBoundIsTheHostsOption() throws {
        let workspace = try Workspace()
        try workspace.writeManifest("ctx", abi: "1.1")
        try workspace.compile("ctx", source: "\(Workspace.repository)/Tests/Fixtures/c/context.c")
        var options = workspace.options()
        options.maxCallDepth = 3
        let host = PluginHost(options: options)
        defer { host.shutdown() }
        #expect(host.loadAll().failed.isEmpty)
        let error = try #require(throws: CallError.self) { try host.callBlocking("ctx", "recurse", arguments: []) }
        #expect(error.message.contains("client → ctx:recurse → ctx:recurse → ctx:recurse → ctx:recurse would be call 4"), "\(error.message)")
    }

    @Test(arguments: [false, true])
    func progressReportsReachTheCaller(isolated: Bool) async throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let reports = Mutex<[CallProgress]>([])
        let result = try await host.call("ctx", "progress", arguments: []) { report in
            reports.withLock { $0.append(report) }
        }
        #expect(result.text == #"{"steps":3}"#)
        // Reports come before the result, in order.
        #expect(reports.withLock { $0 } == (1...3).map { CallProgress(done: Double($0), total: 3, message: "step \($0)") })
        #expect(reports.withLock { $0.map(\.line) }.last == "3/3 step 3")
        // Nobody listening: the reports are dropped, the call is the same.
        #expect(try host.callBlocking("ctx", "progress", arguments: []).text == #"{"steps":3}"#)
    }

    @Test(arguments: [false, true])
    func progressOfACallMadeForAnotherReachesTheOuterCaller(isolated: Bool) async throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let reports = Mutex<[CallProgress]>([])
        // relay_progress (async) calls progress naming its call as the parent: the
        // inner call's reports go to whoever listens to the outer one.
        let result = try await host.call("ctx", "relay_progress", arguments: []) { report in
            reports.withLock { $0.append(report) }
        }
        #expect(result.text == #"{"steps":3}"#)
        #expect(reports.withLock { $0 } == (1...3).map { CallProgress(done: Double($0), total: 3, message: "step \($0)") })
    }

    @Test(arguments: [false, true])
    func aPluginCancelsItsOwnOutgoingCall(isolated: Bool) async throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let outcome = try object(await host.call("ctx", "cancel_outgoing", arguments: [], timeout: .seconds(30)))
        #expect(outcome["status"]?.intValue == Int(ErrorCode.canceled.rawValue), "\(outcome)")
        #expect(outcome["message"]?.stringValue?.contains("plugin 'ctx' canceled its call") == true, "\(outcome)")
        // The callee was asked to stop (its `cancel` ran: isolated, in its worker, after the
        // caller's cancel returned; the entry waits for it) and its late completion went nowhere.
        #expect(try object(host.callBlocking("ctx", "counts_after_cancel", arguments: []))["held_canceled"]?.intValue == 1)
    }

    /// A plugin cancels its outgoing call while the callee completes it from
    /// another thread, 10,000 times: each outgoing call ends exactly once,
    /// canceled or answered, and nothing is left in flight.
    @Test(arguments: [false, true])
    func cancelRacingCompletionEndsEachCallOnce(isolated: Bool) async throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        var statuses: [Int: Int] = [:]
        let race = try host.entry("ctx", "race_cancel")
        for _ in 0..<10_000 {
            let status = try object(race.callBlocking([]))["status"]?.intValue ?? -1
            statuses[status, default: 0] += 1
        }
        let allowed = [Int(NEKO_OK), Int(ErrorCode.canceled.rawValue)]
        #expect(Set(statuses.keys).isSubset(of: allowed), "\(statuses)")
        #expect(statuses.values.reduce(0, +) == 10_000)
        #expect(try object(host.callBlocking("ctx", "counts", arguments: []))["twice"]?.intValue == 0)
        #expect(try host.contractViolations(of: "ctx") == 0)
    }

    @Test(arguments: [false, true])
    func theHostChecksArgumentsForAnEntryThatAsks(isolated: Bool) async throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        #expect(try host.callBlocking("ctx", "checked", arguments: Array(#"{"n":2,"name":"Ada"}"#.utf8)).text == #"{"ok":true}"#)
        let bad = try #require(throws: CallError.self) {
            try host.callBlocking("ctx", "checked", arguments: Array(#"{"n":-1,"colour":"red"}"#.utf8))
        }
        #expect(bad.code == .invalidArgument)
        // Every failing field at once, the first as the error's field.
        #expect(bad.message.contains("'name'"), "\(bad.message)")
        #expect(bad.message.contains("'n'"), "\(bad.message)")
        #expect(bad.message.contains("'colour'"), "\(bad.message)")
        #expect(bad.field != nil)
        let notJSON = try #require(throws: CallError.self) { try host.callBlocking("ctx", "checked", arguments: Array("{n:".utf8)) }
        #expect(notJSON.code == .invalidArgument)
        #expect(notJSON.message.contains("not valid JSON"), "\(notJSON.message)")
        // The async API and a plugin's call are checked too.
        await #expect(throws: CallError.self) { try await host.call("ctx", "checked", arguments: Array("{}".utf8)) }
        // The plugin never saw a refused call.
        #expect(try object(host.callBlocking("ctx", "counts", arguments: []))["checked"]?.intValue == 1)
    }

    @Test(arguments: [false, true])
    func hintsAndTheResultSchemaAreRead(isolated: Bool) throws {
        let (host, _) = try makeHost(isolated: isolated)
        defer { host.shutdown() }
        let whoami = try host.entry("ctx", "whoami").info
        #expect(whoami.hints == [.readOnly, .idempotent])
        #expect(whoami.hints.names == ["read_only", "idempotent"])
        #expect(whoami.resultSchema?["type"] == .string("object"))
        let checked = try host.entry("ctx", "checked").info
        #expect(checked.validatesArguments)
        #expect(checked.hints == [.destructive])
        #expect(checked.resultSchema == nil)
        #expect(try host.entry("ctx", "relay").info.hints.isEmpty)
    }

    /// The Swift SDK's side, through a real host: `CallContext.current` in
    /// the hello example, and its progress reports.
    @Test(arguments: [false, true])
    func aSwiftEntryReadsItsContextAndReportsProgress(isolated: Bool) async throws {
        let workspace = try Workspace()
        workspace.isolateAll = isolated
        try workspace.install("hello")
        try workspace.install("cgreet")
        let host = workspace.host()
        defer { host.shutdown() }
        #expect(host.loadAll().failed.isEmpty)
        let context = try object(host.callBlocking("hello", "context", arguments: [], timeout: .seconds(30)))
        #expect(context["caller"] == nil || context["caller"] == .null)
        #expect(context["depth"]?.intValue == 1)
        #expect((context["call_id"]?.intValue ?? 0) > 0)
        let left = try #require(context["ms_left"]?.intValue)
        #expect(left > 0 && left <= 30_000)
        let reports = Mutex<[String]>([])
        let counted = try await host.call("hello", "count", arguments: Array(#"{"to":4}"#.utf8)) { report in
            reports.withLock { $0.append(report.line) }
        }
        #expect(try object(counted)["counted"]?.intValue == 4)
        #expect(reports.withLock { $0 } == (1...4).map { "\($0)/4 counted \($0)" })
    }

    @Test func anInvalidSchemaIsRefusedAtLoadWhenTheHostMustUseIt() throws {
        let workspace = try Workspace()
        try workspace.writeManifest("ctx", abi: "1.1")
        let source = try String(contentsOfFile: "\(Workspace.repository)/Tests/Fixtures/c/context.c", encoding: .utf8)
            .replacingOccurrences(of: #"\"minimum\":0"#, with: #"\"minimum\":\"zero\""#)
        let path = "\(workspace.root)/context_bad.c"
        try source.write(toFile: path, atomically: true, encoding: .utf8)
        try workspace.compile("ctx", source: path)
        let host = workspace.host()
        defer { host.shutdown() }
        let failure = try #require(host.loadAll().failed.first?.failure)
        #expect("\(failure)".contains("entry 'checked' asks the host to check its arguments"), "\(failure)")
        #expect("\(failure)".contains("minimum"), "\(failure)")
    }
}
