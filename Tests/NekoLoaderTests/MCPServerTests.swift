import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe
import Testing

/// `nekoctl mcp` as a real child process, driven by the official Python MCP
/// client (PyPI `mcp`, in the virtual environment `make mcp-venv` makes:
/// .build/mcp-venv), over real plugins; and the control socket's `watch` op,
/// which tells an attached `nekoctl mcp` that the plugins changed.
@Suite(.timeLimit(.minutes(5)), .serialized) struct MCPServerTests {
    /// The virtual environment's python, as `make mcp-venv` makes it.
    static let python = ProcessInfo.processInfo.environment["NEKO_MCP_PYTHON"] ?? "\(Workspace.repository)/.build/mcp-venv/bin/python"
    static let script = "\(Workspace.repository)/Tests/MCPClient/mcp_client_check.py"

    /// A workspace with cgreet and hello, hello's `fail` hidden by `[plugin.mcp]`.
    func workspace() throws -> Workspace {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        try workspace.install("hello")
        let manifest = "\(workspace.root)/hello/plugin.toml"
        let text = try String(contentsOfFile: manifest, encoding: .utf8)
        try (text + "\n[plugin.mcp]\nhide = [\"fail\"]\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        return workspace
    }

    /// Runs the Python client's checks of `mode`; each prints `ok: ...`, a failure `FAIL: ...`.
    func client(_ mode: String) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            Issue.record("no Python MCP client at \(Self.python): run `make mcp-venv` (or `make test`, which makes it)")
            return
        }
        let workspace = try workspace()
        let run = try Shell.run(
            Self.python, [Self.script, Workspace.nekoctl, workspace.root, mode],
            environment: ["NEKO_CACHE_DIR": workspace.cache, "PYTHONUNBUFFERED": "1"])
        #expect(run.status == 0, "the Python MCP client's \(mode) checks failed:\n\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("all checks passed"), "\(run.stdout)")
    }

    @Test func pythonClientInProcess() throws {
        try client("in-process")
    }

    @Test func pythonClientAttachedToServeSeesListChangedAfterAReload() throws {
        try client("attached")
    }

    @Test func attachedMCPExitsWhenItsServeGoesAway() throws {
        try client("serve-dies")
    }

    @Test func malformedRequestsGetJSONRPCErrorsAndTheServerGoesOn() throws {
        try client("raw")
    }

    @Test func listPrintsTheToolsAndWhatIsLeftOut() throws {
        let workspace = try workspace()
        let environment = ["NEKO_CACHE_DIR": workspace.cache, "NEKO_SOCKET": "\(workspace.cache)/none.sock"]
        let text = try Shell.run(Workspace.nekoctl, ["mcp", "--list", "--dir", workspace.root], environment: environment)
        #expect(text.status == 0, "\(text.stderr)")
        #expect(text.stdout.contains("hello__greet: Returns a greeting"))
        #expect(text.stdout.contains("annotations: readOnlyHint, idempotentHint"))
        #expect(!text.stdout.contains("hello__fail"))
        #expect(text.stderr.contains("left out: hello:fail: hidden by [plugin.mcp] hide in its plugin.toml"))

        let json = try Shell.run(Workspace.nekoctl, ["mcp", "--list", "--json", "--all", "--only", "hello", "--dir", workspace.root], environment: environment)
        #expect(json.status == 0, "\(json.stderr)")
        let tools = try #require(try JSON.parse(json.stdout)["tools"]?.arrayValue)
        let names = tools.compactMap { $0["name"]?.stringValue }
        #expect(names.contains("hello__fail"))
        #expect(!names.contains { $0.hasPrefix("cgreet__") })
        let greet = try #require(tools.first { $0["name"] == "hello__greet" })
        #expect(greet["inputSchema"]?["type"] == "object")
        #expect(greet["inputSchema"]?["properties"]?["name"]?["type"] == "string")
        #expect(tools.first { $0["name"] == "hello__add" }?["annotations"] == ["readOnlyHint": true, "idempotentHint": true])

        let usage = try Shell.run(Workspace.nekoctl, ["mcp", "--only", "hello,", "--list"], environment: environment)
        #expect(usage.status == 2)
        #expect(usage.stderr.contains("--only takes plugin ids separated by commas"))
    }

    @Test func cancelOpCancelsTheCallWithThatKey() throws {
        let serve = try ServeProcess()
        let caller = try ControlClient(path: serve.socket)
        let canceler = try ControlClient(path: serve.socket)
        var canceled: JSON?
        let call: JSONObject = ["plugin": "hello", "entry": "sleep", "args": ["ms": 600_000], "progress": true, "cancel_key": "k1"]
        // hello's sleep reports progress 0 as it begins: cancel it then, from another connection.
        let outcome = try caller.request("call", call) { event in
            if canceled == nil, event["event"] == "progress" {
                canceled = try? canceler.request("cancel", ["key": "k1"]).get()
            }
        }
        #expect(canceled == ["canceled": true])
        #expect(outcome.failureCode == "canceled")
        // The key is free again; an unknown key cancels nothing; bad keys are named.
        #expect(try canceler.request("cancel", ["key": "k1"]).get() == ["canceled": false])
        #expect(canceler.request(unwrapping: "cancel", [:])?.field == "key")
        #expect(canceler.request(unwrapping: "call", ["plugin": "hello", "entry": "ping", "cancel_key": 5])?.field == "cancel_key")
        #expect(try caller.request("call", ["plugin": "hello", "entry": "ping", "cancel_key": "k1"]).get() == true)
    }

    @Test func watchOpSendsAnEventAfterEachChange() throws {
        let serve = try ServeProcess(workspace: try workspace())
        let client = try ControlClient(path: serve.socket)
        try client.send(JSON.object(["id": 7, "op": "watch"]).serialized() + [UInt8(ascii: "\n")])
        let watching = try client.receive()
        #expect(watching["event"] == "watching" && watching["id"] == 7)
        let reload = try serve.nekoctl("reload", "hello", "--socket", serve.socket)
        #expect(reload.status == 0, "\(reload.stderr)")
        let changed = try client.receive()
        #expect(changed["event"] == "changed" && changed["id"] == 7)
        #expect((changed["count"]?.int64Value ?? 0) > (watching["count"]?.int64Value ?? 0))
        // The server stops with a watcher connected: it answers the watch and exits 0.
        #expect(try serve.terminate() == 0)
    }

    @Test func watchOpWithLogsStreamsLogLinesAndMessagesAtTheLevelAsked() throws {
        let serve = try ServeProcess(workspace: try workspace())
        let caller = try ControlClient(path: serve.socket)
        // Bad input is named: the field and what was expected.
        let loud = caller.request(unwrapping: "watch", ["logs": true, "level": "loud"])
        #expect(loud?.field == "level" && loud?.message.contains("trace, debug, info") == true, "\(String(describing: loud))")
        #expect(caller.request(unwrapping: "watch", ["logs": "yes"])?.field == "logs")
        #expect(caller.request(unwrapping: "watch", ["level": "info"])?.field == "level")

        // At warning: cgreet's info line does not come; the change after it does.
        let quiet = try ControlClient(path: serve.socket)
        try quiet.send(JSON.object(["id": 1, "op": "watch", "logs": true, "level": "warning"]).serialized() + [UInt8(ascii: "\n")])
        #expect(try quiet.receive()["event"] == "watching")
        // At info: the line and the emitted message come.
        let client = try ControlClient(path: serve.socket)
        try client.send(JSON.object(["id": 2, "op": "watch", "logs": true, "level": "info"]).serialized() + [UInt8(ascii: "\n")])
        #expect(try client.receive()["event"] == "watching")
        _ = try caller.request("call", ["plugin": "cgreet", "entry": "log", "args": ["marker": "m1"]]).get()
        var line: JSON?
        var message: JSON?
        while line == nil || message == nil {
            let event = try client.receive()
            #expect(event["id"] == 2)
            if event["event"] == "log", event["plugin"] == "cgreet" { line = event }
            if event["event"] == "message", event["plugin"] == "cgreet" { message = event }
        }
        #expect(line?["level"] == "info" && line?["message"]?.stringValue?.contains("m1") == true, "\(String(describing: line))")
        #expect(message?["topic"] == "cgreet.logged", "\(String(describing: message))")

        let reload = try serve.nekoctl("reload", "hello", "--socket", serve.socket)
        #expect(reload.status == 0, "\(reload.stderr)")
        while true {
            let event = try quiet.receive()
            #expect(!(event["event"] == "log" && event["plugin"] == "cgreet"), "a line below the level came: \(event)")
            if event["event"] == "changed" { break }
        }
        #expect(try serve.terminate() == 0)
    }
}
