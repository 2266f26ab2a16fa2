import Foundation
@_spi(Neko) import NekoCore
import NekoServe
import Testing

/// `nekoctl dev` as a plugin author runs it, on a C plugin scaffolded with
/// `nekoctl new --lang c` (a C plugin builds in a fraction of a second):
/// each edit is rebuilt and reloaded, a broken edit prints the compiler's
/// error while the last good build keeps answering. The test waits for the
/// lines `nekoctl dev` prints, never for a guessed delay.
@Suite(.timeLimit(.minutes(5))) struct DevTests {
    let workspace: Workspace
    let base: String
    let folder: String
    let socket: String

    init() throws {
        workspace = try Workspace()
        base = (workspace.root as NSString).deletingLastPathComponent
        folder = "\(base)/work/greeter"
        socket = "\(base)/run/dev.sock"
        let made = try Shell.run(Workspace.nekoctl, ["new", "greeter", "--lang", "c", "--dir", "\(base)/work", "--neko-root", Workspace.repository])
        #expect(made.status == 0, "\(made.stderr)")
    }

    /// Starts `nekoctl dev` on the scaffolded plugin, and waits until it watches.
    func dev(_ extra: [String] = []) throws -> ChildProcess {
        let child = try ChildProcess(Workspace.nekoctl, ["dev", "--socket", socket] + extra, environment: ["NEKO_CACHE_DIR": workspace.cache], in: folder)
        try child.waitForOutput("watching \(folder)")
        return child
    }

    /// Calls greeter's `hello` through the control socket.
    func hello() throws -> JSON {
        try ControlClient(path: socket).request("call", ["plugin": "greeter", "entry": "hello"]).get()
    }

    /// Saves plugin.c with `old` replaced by `new`, as an editor does (a write in place).
    func edit(_ old: String, _ new: String) throws {
        let path = "\(folder)/plugin.c"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains(old), "plugin.c has no \(old)")
        try text.replacingOccurrences(of: old, with: new).write(toFile: path, atomically: false, encoding: .utf8)
    }

    @Test func anEditIsRebuiltAndReloadedAndABrokenOneKeepsTheLastGoodBuild() throws {
        let dev = try dev()
        #expect(dev.text.contains("build: ok in "), "\(dev.text)")
        #expect(dev.text.contains("greeter loaded: generation 1"), "\(dev.text)")
        #expect(try hello() == ["greeting": "Hello from C!"])

        try edit("Hello from C!", "Hello, edited!")
        try dev.waitForOutput("greeter reloaded: generation 2 in ")
        #expect(dev.text.contains("changed: plugin.c"))
        #expect(dev.text.contains("save to serving: "))
        #expect(try hello() == ["greeting": "Hello, edited!"])

        try edit("static void stop(void *self)", "static void stop(void *self) oops")
        try dev.waitForOutput("build: FAILED in ")
        try dev.waitForOutput("generation 2 keeps serving")
        #expect(dev.text.contains("plugin.c:") && dev.text.contains("error:"), "the compiler's error is printed: \(dev.text)")
        #expect(try hello() == ["greeting": "Hello, edited!"], "the last good build answers")

        // Fixed: the next build serves.
        try edit("static void stop(void *self) oops", "static void stop(void *self)")
        try dev.waitForOutput("greeter reloaded: generation 3 in ")
        #expect(try hello() == ["greeting": "Hello, edited!"])

        #expect(try dev.stop(with: SIGINT) == 0)
        #expect(dev.text.contains("nekoctl dev: stopped"))
        #expect(!FileManager.default.fileExists(atPath: socket), "its own host's socket is removed")
    }

    @Test func intoARunningServeTheReloadsGoThroughItsSocket() throws {
        let serveWorkspace = try Workspace()
        try serveWorkspace.install("cgreet")
        let serve = try ServeProcess(workspace: serveWorkspace, socket: socket)
        let dev = try dev()
        #expect(dev.text.contains("into the nekoctl serve at \(socket)"), "\(dev.text)")
        #expect(dev.text.contains("greeter loaded: generation 1"), "\(dev.text)")
        try edit("Hello from C!", "Hello via serve!")
        try dev.waitForOutput("greeter reloaded: generation 2 in ")
        #expect(try hello() == ["greeting": "Hello via serve!"])
        try serve.waitForOutput("reloaded greeter: generation 2")
        #expect(try dev.stop(with: SIGTERM) == 0)
        #expect(dev.text.contains("greeter stays loaded in the nekoctl serve"))
        #expect(try hello() == ["greeting": "Hello via serve!"], "the plugin stays in the server")
    }

    @Test func badFoldersAndOptionsAreNamed() throws {
        let empty = "\(base)/empty"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        let noManifest = try Shell.run(Workspace.nekoctl, ["dev", empty, "--socket", socket])
        #expect(noManifest.status == 1)
        #expect(noManifest.stderr.contains("\(empty): no plugin.toml here"), "\(noManifest.stderr)")

        try FileManager.default.removeItem(atPath: "\(folder)/Makefile")
        let noBuild = try Shell.run(Workspace.nekoctl, ["dev", folder, "--socket", socket])
        #expect(noBuild.status == 1)
        #expect(noBuild.stderr.contains("expected a Package.swift (a Swift plugin) or a Makefile (a C plugin)"), "\(noBuild.stderr)")

        let missing = try Shell.run(Workspace.nekoctl, ["dev", "\(base)/missing", "--socket", socket])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("\(base)/missing: no such folder"))

        let configuration = try Shell.run(Workspace.nekoctl, ["dev", folder, "--configuration", "fast"])
        #expect(configuration.status == 2)
        #expect(configuration.stderr.contains("--configuration must be debug or release, got 'fast'"))
    }
}
