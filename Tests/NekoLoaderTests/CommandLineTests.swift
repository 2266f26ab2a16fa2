import Foundation
@_spi(Neko) import NekoCore
import Testing

/// `nekoctl`, run as a user runs it: output, exit codes, and the scaffolds of
/// `nekoctl new` built and called for real.
@Suite(.timeLimit(.minutes(10))) struct CommandLineTests {
    let workspace: Workspace

    init() throws {
        workspace = try Workspace()
        try workspace.install("hello")
        try workspace.install("cgreet")
    }

    func nekoctl(_ arguments: String..., input: String? = nil) throws -> Shell.Output {
        try Shell.run(Workspace.nekoctl, arguments + ["--dir", workspace.root], input: input, environment: ["NEKO_CACHE_DIR": workspace.cache])
    }

    @Test func listShowsEveryPluginWithItsState() throws {
        try workspace.fixture("abi_major", as: "abimajor")
        let table = try nekoctl("list")
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.hasPrefix("ID") == true)
        #expect(lines.contains { $0.hasPrefix("hello ") && $0.contains("1.0.0") && $0.contains("loaded") && $0.contains(" 14 ") })
        #expect(lines.contains { $0.hasPrefix("cgreet ") && $0.contains("loaded") && $0.contains(" 5 ") })
        #expect(lines.contains { $0.hasPrefix("abimajor ") && $0.contains("failed") && $0.contains("abi: ") })

        let json = try JSON.parse(try nekoctl("list", "--json").stdout)
        guard case .array(let plugins) = json else { Issue.record("list --json is not an array: \(json)"); return }
        let failed = try #require(plugins.first { $0["id"] == "abimajor" })
        #expect(failed["state"] == "failed")
        #expect(failed["phase"] == "abi")
        #expect(plugins.first { $0["id"] == "hello" }?["entries"] == 14)
    }

    @Test func isolatedPluginsShowTheirWorkerAndACrashExitsOne() throws {
        try workspace.install("crashy")
        let table = try nekoctl("list", "--isolate")
        #expect(table.status == 0)
        let lines = table.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("RUNS IN") == true)
        #expect(lines.contains { $0.hasPrefix("hello ") && $0.contains(" pid ") }, "\(table.stdout)")
        let json = try JSON.parse(try nekoctl("list", "--json").stdout)
        let crashy = try #require(json.arrayValue?.first { $0["id"] == "crashy" })
        #expect(crashy["isolation"] == "process", "crashy's manifest isolates it")
        #expect(crashy["pid"]?.intValue != nil)
        #expect(json.arrayValue?.first { $0["id"] == "hello" }?["runs_in"] == "host")

        let crash = try nekoctl("call", "crashy", "abort")
        #expect(crash.status == 1)
        #expect(crash.stderr.contains("plugin_crashed") && crash.stderr.contains("SIGABRT"), "\(crash.stderr)")
    }

    @Test func infoShowsEntriesAndSchemas() throws {
        let info = try nekoctl("info", "hello")
        #expect(info.status == 0)
        #expect(info.stdout.contains("hello 1.0.0: Hello"))
        #expect(info.stdout.contains("depends on:  cgreet"))
        #expect(info.stdout.contains("greet (sync): Greet"))
        #expect(info.stdout.contains("sleep (async)"))
        #expect(info.stdout.contains(#""required":["name"]"#))
        let json = try JSON.parse(try nekoctl("info", "hello", "--json").stdout)
        #expect(json["entries"]?[3]?["id"] == "sleep")
        #expect(json["entries"]?[3]?["async"] == true)
        #expect(info.stdout.contains("    hints: read_only, idempotent"))
        #expect(info.stdout.contains(#"    result: {"type":"object","additionalProperties":{"type":"number"}}"#))
        #expect(json["entries"]?[1]?["hints"] == ["read_only", "idempotent"])
        #expect(json["entries"]?[1]?["result_schema"] == ["type": "object", "additionalProperties": ["type": "number"]])
        #expect(try nekoctl("info", "nosuch").status == 1)
        try workspace.install("thread_safe")
        let timers = try nekoctl("info", "thread_safe")
        #expect(timers.stdout.contains("timers:\n  tick (every 10.0 ms, starts with the plugin)"))
    }

    @Test func settingsShowsAndChangesSettings() throws {
        try workspace.install("configurable")
        #expect(try JSON.parse(try nekoctl("settings", "configurable").stdout) == ["timeout": 30])
        let changed = try nekoctl("settings", "configurable", "timeout:=90")
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try JSON.parse(changed.stdout) == ["timeout": 90])
        #expect(try JSON.parse(try nekoctl("call", "configurable", "get_settings").stdout) == ["timeout": 90], "saved to config.json")
        let refused = try nekoctl("settings", "configurable", "timeout:=0")
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("error: invalid_argument: "))
        #expect(try nekoctl("settings", "hello").stderr.contains("keeps no settings file"))
        // `config`, the command's name before 1.1, still works and is not in the help.
        #expect(try JSON.parse(try nekoctl("config", "configurable").stdout) == ["timeout": 90])
        let help = try Shell.run(Workspace.nekoctl, ["--help"]).stdout
        #expect(help.contains("settings") && !help.contains("  config"))
    }

    @Test func callTakesPairsJSONAndStandardInput() throws {
        let pairs = try nekoctl("call", "hello", "greet", "name=Ada", "excited:=true")
        #expect(pairs.status == 0, "\(pairs.stderr)")
        #expect(try JSON.parse(pairs.stdout) == ["greeting": "Hello, Ada!!"])
        #expect(pairs.stderr.contains("message from hello: greeted {\"name\":\"Ada\"}"))
        let object = try nekoctl("call", "cgreet", "greet", "--args", #"{"name":"Linus"}"#)
        #expect(try JSON.parse(object.stdout) == ["greeting": "Hello, Linus!"])
        let stdin = try nekoctl("call", "hello", "add", "-", input: #"{"a":1.5,"b":2}"#)
        #expect(try JSON.parse(stdin.stdout)["sum"] == 3.5)
    }

    @Test func anErrorResultExitsOneAndAUsageErrorTwo() throws {
        let invalid = try nekoctl("call", "hello", "greet", "name:=42")
        #expect(invalid.status == 1)
        #expect(invalid.stderr.hasPrefix("error: invalid_argument: "))
        #expect(invalid.stderr.contains("(field: name)"))
        let failed = try nekoctl("call", "hello", "fail", "message=boom")
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("error: execution_failed: boom"))
        let unknown = try nekoctl("call", "hello", "nosuch")
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("error: not_found: plugin 'hello' has no entry 'nosuch'"))
        let usage = try nekoctl("call", "hello", "greet", "justaword")
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("expected key=value, key:=json"))
        let badJSON = try nekoctl("call", "hello", "greet", "name:={")
        #expect(badJSON.status == 2)
        #expect(try nekoctl("call").status == 2)
    }

    @Test func checkValidatesAFolder() throws {
        let good = try Shell.run(Workspace.nekoctl, ["check", "\(workspace.root)/hello"], environment: ["NEKO_CACHE_DIR": workspace.cache])
        #expect(good.status == 0)
        #expect(good.stdout.hasPrefix("ok: hello 1.0.0: 14 entries"))
        try workspace.fixture("no_symbol", as: "nosymbol")
        let bad = try Shell.run(Workspace.nekoctl, ["check", "\(workspace.root)/nosymbol"], environment: ["NEKO_CACHE_DIR": workspace.cache])
        #expect(bad.status == 1)
        #expect(bad.stderr.contains("error: open: "))
    }

    @Test func newScaffoldsACPluginThatBuildsWithOneCommand() throws {
        let created = try nekoctl("new", "tiny-c", "--lang", "c")
        #expect(created.status == 0, "\(created.stderr)")
        let folder = "\(workspace.root)/tiny-c"
        let make = try Shell.run("/usr/bin/env", ["make", "-C", folder], environment: ["NEKO_SDK": "\(Workspace.repository)/SDK"])
        #expect(make.status == 0, "\(make.stdout)\(make.stderr)")
        let call = try nekoctl("call", "tiny-c", "hello")
        #expect(call.status == 0, "\(call.stderr)")
        #expect(try JSON.parse(call.stdout) == ["greeting": "Hello from C!"])
        #expect(try nekoctl("new", "tiny-c", "--lang", "c").status == 1, "an existing folder is never overwritten")
        #expect(try nekoctl("new", "../escape").status == 2)
    }

    @Test(.timeLimit(.minutes(10)))
    func newScaffoldsASwiftPluginThatBuildsWithOneCommand() throws {
        let created = try nekoctl("new", "tiny-swift")
        #expect(created.status == 0, "\(created.stderr)")
        let folder = "\(workspace.root)/tiny-swift"
        let package = try String(contentsOfFile: "\(folder)/Package.swift", encoding: .utf8)
        #expect(!package.contains(Workspace.repository), "no path of this checkout is written into the plugin")
        // The SDK package alone: its build resolves swift-log, not the CLI's dependencies.
        let make = try Shell.run("/usr/bin/env", ["make", "-C", folder, "CONFIG=debug"], environment: ["NEKO_SDK": "\(Workspace.repository)/SDK"])
        #expect(make.status == 0, "\(make.stdout)\(make.stderr)")
        let call = try nekoctl("call", "tiny-swift", "hello", "name=Ada")
        #expect(call.status == 0, "\(call.stderr)")
        #expect(try JSON.parse(call.stdout) == ["greeting": "Hello, Ada!"])
        let count = try nekoctl("call", "tiny-swift", "count")
        #expect(try JSON.parse(count.stdout) == ["greeted": 0], "each nekoctl call is a fresh host")
        let resolved = try FileManager.default.contentsOfDirectory(atPath: "\(folder)/.build/checkouts")
        #expect(resolved == ["swift-log"], "the plugin's build resolved \(resolved)")
        // Its own tests pass as scaffolded (NekoPluginTesting hosts it inside the test),
        // built on the debug build above: one more build, of the test target alone.
        let test = try Shell.run("/usr/bin/env", ["make", "-C", folder, "test"], environment: ["NEKO_SDK": "\(Workspace.repository)/SDK"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect((test.stdout + test.stderr).contains("helloGreetsByNameAndCounts"), "the scaffold's tests ran: \(test.stdout)")
    }
}
