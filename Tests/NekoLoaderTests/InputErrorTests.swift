import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// Bad input from outside, through real plugins: arguments (checked by the
/// Swift SDK, or by the host for a C entry that asks), settings (`config.json`
/// and the host's changes, `nekoctl settings`). Every field at fault at once,
/// each with its path; an unknown key named with the nearest known one.
@Suite(.timeLimit(.minutes(2))) struct InputErrorTests {
    let workspace: Workspace

    init() throws {
        workspace = try Workspace()
    }

    func host(isolated: Bool) -> PluginHost {
        workspace.isolateAll = isolated
        let host = workspace.host()
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        return host
    }

    /// What the one validator says of `arguments` against `schema`: the message
    /// both the SDK and the host must give.
    func expected(_ arguments: String, against schema: JSON) throws -> String {
        try ArgumentError(JSONSchemaValidator(schema).violations(of: JSON.parse(arguments.bytes))).message
    }

    // MARK: - Arguments

    @Test(arguments: [false, true]) func theSDKAndTheHostSayTheSameOfBadArguments(isolated: Bool) throws {
        try workspace.install("hello")
        try workspace.install("cgreet")  // hello depends on it
        try workspace.writeManifest("ctx", abi: "1.1")
        try workspace.compile("ctx", source: "\(Workspace.repository)/Tests/Fixtures/c/context.c")
        let host = host(isolated: isolated)
        defer { host.shutdown() }

        // A Swift entry: the SDK checks, in the plugin.
        let swiftArguments = #"{"a":"x","bb":2,"c":true}"#
        let swift = try #require(throws: CallError.self) { try host.callBlocking("hello", "add", arguments: swiftArguments.bytes) }
        #expect(swift.message == #"missing required argument 'b'; argument 'a' must be a number, got "x"; unexpected argument 'bb'; unexpected argument 'c'"#)
        #expect(swift.message == (try expected(swiftArguments, against: host.entry("hello", "add").info.schema)))
        #expect(swift.field == "b")

        // A C entry with NEKO_ENTRY_VALIDATE_ARGS: the host checks, before the plugin sees them.
        let cArguments = #"{"n":-1,"nmae":"Ada","extra":[1]}"#
        let c = try #require(throws: CallError.self) { try host.callBlocking("ctx", "checked", arguments: cArguments.bytes) }
        #expect(c.message == "missing required argument 'name'; argument 'n' must be an integer >= 0, got -1; unexpected argument 'nmae' (did you mean 'name'?); unexpected argument 'extra'")
        #expect(c.message == (try expected(cArguments, against: host.entry("ctx", "checked").info.schema)))
        #expect(c.field == "name")
    }

    @Test func nekoctlCallPrintsEveryFieldAtFault() throws {
        try workspace.install("hello")
        try workspace.install("cgreet")
        let call = try Shell.run(Workspace.nekoctl, ["call", "hello", "greet", "nmae=Ada", "excited=yes", "--dir", workspace.root],
                                 environment: ["NEKO_CACHE_DIR": workspace.cache])
        #expect(call.status == 1)
        #expect(call.stderr.contains(#"invalid_argument: missing required argument 'name'; unexpected argument 'nmae' (did you mean 'name'?); argument 'excited' must be a boolean, got "yes" (field: name)"#), "\(call.stderr)")
    }

    // MARK: - Settings

    @Test(arguments: [false, true]) func aRefusedSettingsChangeNamesTheKey(isolated: Bool) throws {
        try workspace.install("configurable")
        let host = host(isolated: isolated)
        defer { host.shutdown() }
        let file = "\(workspace.root)/configurable/config.json"
        try host.changeSettings(of: "configurable", with: ["timeout": 40])

        // The change hook's refusal: its CallError's field is in the message the host sees.
        let hook = try #require(throws: CallError.self) { try host.changeSettings(of: "configurable", with: ["timeout": 0]) }
        #expect(hook.code == .invalidArgument)
        #expect(hook.message == "\(file): key 'timeout': must be more than 0 seconds, got 0")

        // A key the settings do not have, and a wrong type: both, at once.
        let typo = try #require(throws: CallError.self) { try host.changeSettings(of: "configurable", with: ["timout": 5]) }
        #expect(typo.message == "\(file): unexpected key 'timout' (did you mean 'timeout'?)")
        let two = try #require(throws: CallError.self) { try host.changeSettings(of: "configurable", with: ["timeout": "soon", "colour": 1]) }
        #expect(two.message == #"\#(file): key 'timeout' must be an integer, got "soon"; unexpected key 'colour'"#)

        #expect(try host.settings(of: "configurable") == ["timeout": 40], "nothing changed")
        #expect(try JSON.parse(Array(String(contentsOfFile: file, encoding: .utf8).utf8)) == ["timeout": 40])
    }

    @Test(arguments: [false, true]) func anUnknownKeyInConfigJSONRefusesThePluginNamingTheNearestKey(isolated: Bool) throws {
        try workspace.install("configurable")
        let file = "\(workspace.root)/configurable/config.json"
        try #"{"timout": 5, "retries": 3}"#.write(toFile: file, atomically: true, encoding: .utf8)
        workspace.isolateAll = isolated
        let host = workspace.host()
        defer { host.shutdown() }
        host.loadAll()
        guard case .failed(let failure) = host.plugin("configurable")?.state else {
            Issue.record("a config.json with unknown keys loaded")
            return
        }
        #expect(failure.phase == .startup)
        #expect(failure.message.contains("\(file): unexpected key 'timout' (did you mean 'timeout'?); unexpected key 'retries'"), "\(failure.message)")
        // Fixed, it loads.
        try #"{"timeout": 5}"#.write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try host.reload("configurable").get().generation >= 1)
        #expect(try host.settings(of: "configurable") == ["timeout": 5])
    }

    @Test func nekoctlSettingsNamesTheKeyItRefuses() throws {
        try workspace.install("configurable")
        func settings(_ change: String) throws -> Shell.Output {
            try Shell.run(Workspace.nekoctl, ["settings", "configurable", change, "--dir", workspace.root, "--socket", "\(workspace.root)/../nobody.sock"],
                          environment: ["NEKO_CACHE_DIR": workspace.cache])
        }
        let zero = try settings("timeout:=0")
        #expect(zero.status == 1)
        #expect(zero.stderr.contains("invalid_argument: \(workspace.root)/configurable/config.json: key 'timeout': must be more than 0 seconds, got 0"), "\(zero.stderr)")
        let typo = try settings("timout:=5")
        #expect(typo.status == 1)
        #expect(typo.stderr.contains("unexpected key 'timout' (did you mean 'timeout'?)"), "\(typo.stderr)")
    }
}
