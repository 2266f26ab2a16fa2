import Foundation
@_spi(Neko) import NekoCore
import NekoServe
import Testing

/// What `nekoctl serve` prints on standard error, read from a real server:
/// loads, reloads with their duration, failures, crashes and restarts by
/// default; a plugin's own lines under its id; less with `-q`, more with
/// `-v`; one JSON object per line with `--log-format json`.
@Suite(.timeLimit(.minutes(3))) struct ServeLogTests {
    /// Replaces `id`'s library with bytes that are no library: its next reload fails.
    func breakLibrary(of id: String, in workspace: Workspace) throws {
        let target = "\(workspace.root)/\(id)/lib\(id).so"
        try Data("not a library".utf8).write(to: URL(fileURLWithPath: target + ".tmp"))
        #expect(rename(target + ".tmp", target) == 0)
    }

    @Test func byDefaultLoadsReloadsFailuresCrashesAndRestartsAreLogged() throws {
        let workspace = try Workspace()
        for id in ["cgreet", "hello", "crashy"] { try workspace.install(id) }
        let serve = try ServeProcess(workspace: workspace, environment: ["SWIFT_BACKTRACE": "enable=no"])
        // Loads, each with its time, before the ready line.
        for id in ["cgreet", "hello", "crashy"] {
            #expect(serve.logText.contains("info neko: loaded \(id) 1.0.0 in "), "\(serve.logText)")
        }
        // A plugin's own line carries its id, not the loader's module.
        #expect(serve.logText.contains("info hello: hello is up"), "\(serve.logText)")
        #expect(!serve.logText.contains("[NekoLoader]"))
        let client = try ControlClient(path: serve.socket)
        _ = try client.request("call", ["plugin": "cgreet", "entry": "log", "args": ["said": "hi"]]).get()
        try serve.waitForOutput("info cgreet: {\"said\":\"hi\"}")

        // A reload, with its generation and duration.
        #expect(try client.request("reload", ["plugin": "hello"]).get()["generation"] == 2)
        try serve.waitForOutput("info neko: reloaded hello: generation 2 in ")
        let reloadLine = serve.logText.split(separator: "\n").first { $0.contains("reloaded hello") }.map(String.init) ?? ""
        #expect(reloadLine.hasSuffix(" ms") || reloadLine.hasSuffix(" s"), "\(reloadLine)")

        // A failed reload: the running generation goes on, and the log says why.
        try breakLibrary(of: "cgreet", in: workspace)
        #expect(throws: Never.self) { _ = try client.request("reload", ["plugin": "cgreet"]) }
        try serve.waitForOutput("warning neko: cgreet did not reload, the running generation goes on")

        // A crash of an isolated plugin, then its restart.
        _ = try client.request("call", ["plugin": "crashy", "entry": "segfault"])
        try serve.waitForOutput("crashy crashed (SIGSEGV")
        try serve.waitForOutput("info neko: restarted crashy after its crash in ")
        #expect(try serve.terminate() == 0)
        #expect(serve.logText.contains("notice neko: nekoctl serve: stopped"))
    }

    @Test func quietKeepsWarningsAndVerboseAddsStateChanges() throws {
        let quietWorkspace = try Workspace()
        try quietWorkspace.install("cgreet")
        let quiet = try ServeProcess(workspace: quietWorkspace, extra: ["-q"])
        try breakLibrary(of: "cgreet", in: quietWorkspace)
        _ = try ControlClient(path: quiet.socket).request("reload", ["plugin": "cgreet"])
        try quiet.waitForOutput("warning neko: cgreet did not reload")
        #expect(!quiet.logText.contains("loaded cgreet"), "-q leaves loads out: \(quiet.logText)")
        #expect(quiet.logText.contains("nekoctl serve: listening on "))

        let verbose = try ServeProcess(extra: ["-v"])
        #expect(verbose.logText.contains("debug neko: hello: loading -> loaded"), "\(verbose.logText)")
        #expect(verbose.logText.contains("info neko: loaded hello"))

        let both = try Shell.run(Workspace.nekoctl, ["serve", "-q", "-v", "--socket", "\(quietWorkspace.root)/x.sock"])
        #expect(both.status == 2)
        #expect(both.stderr.contains("-v and -q cannot go together"))
        let format = try Shell.run(Workspace.nekoctl, ["serve", "--log-format", "xml", "--socket", "\(quietWorkspace.root)/x.sock"])
        #expect(format.status == 2)
        #expect(format.stderr.contains("xml"), "\(format.stderr)")
    }

    @Test func jsonFormatWritesOneObjectPerLine() throws {
        let serve = try ServeProcess(extra: ["--log-format", "json"])
        let client = try ControlClient(path: serve.socket)
        _ = try client.request("call", ["plugin": "cgreet", "entry": "log", "args": ["said": "hi"]]).get()
        _ = try client.request("reload", ["plugin": "hello"]).get()
        try serve.waitForOutput("reloaded hello: generation 2")
        #expect(try serve.terminate() == 0)
        let lines = serve.logText.split(separator: "\n").map(String.init)
        var objects: [JSON] = []
        for line in lines {
            guard let object = try? JSON.parse(Array(line.utf8)), case .object = object else {
                Issue.record("not a JSON object: \(line)")
                continue
            }
            #expect(object["time"]?.stringValue?.hasSuffix("Z") == true, "\(line)")
            #expect(object["level"]?.stringValue != nil && object["message"]?.stringValue != nil, "\(line)")
            objects.append(object)
        }
        let logged = try #require(objects.first { $0["plugin"] == "cgreet" && $0["origin"] == "plugin" })
        #expect(logged["message"] == "{\"said\":\"hi\"}")
        #expect(logged["level"] == "info")
        let reload = try #require(objects.first { ($0["message"]?.stringValue ?? "").hasPrefix("reloaded hello") })
        #expect(reload["origin"] == "host")
        #expect(reload["plugin"] == "hello")
        #expect(objects.contains { $0["level"] == "notice" && ($0["message"]?.stringValue ?? "").contains("stopped") })
    }

    @Test func watchReloadsAFolderAddedWithLoadPath() throws {
        let serve = try ServeProcess(extra: ["--watch"])
        let elsewhere = "\(serve.base)/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Workspace.builtPlugins)/configurable", toPath: "\(elsewhere)/configurable")
        let loaded = try serve.nekoctl("load", "\(elsewhere)/configurable", "--socket", serve.socket)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        // A build's way: a new file beside the library, then a rename.
        let library = "\(elsewhere)/configurable/libconfigurable.so"
        try FileManager.default.copyItem(atPath: library, toPath: library + ".tmp")
        #expect(rename(library + ".tmp", library) == 0)
        try serve.waitForOutput("reloaded configurable: generation 2")
        let client = try ControlClient(path: serve.socket)
        #expect(try client.request("status").get().arrayValue?.first { $0["id"] == "configurable" }?["generation"] == 2)
    }
}
