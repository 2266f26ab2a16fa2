import Foundation
@_spi(Neko) import NekoCore
import NekoServe
import Testing

/// The output of `nekoctl check` and `nekoctl status`, as a user reads it
/// and as a program parses it.
@Suite(.timeLimit(.minutes(3))) struct StatusAndCheckTests {
    @Test func checkNamesWhatBuiltThePluginOnce() throws {
        let c = try Shell.run(Workspace.nekoctl, ["check", "\(Workspace.builtPlugins)/cgreet"])
        #expect(c.status == 0, "\(c.stderr)")
        #expect(c.stdout.hasPrefix("ok: cgreet 1.0.0: 5 entries (C, ABI 1.0)\n"), "\(c.stdout)")
        let swift = try Shell.run(Workspace.nekoctl, ["check", "\(Workspace.builtPlugins)/hello"])
        #expect(swift.status == 0, "\(swift.stderr)")
        #expect(swift.stdout.contains("entries (Swift \(BuildStamp.swiftCompiler), NekoPlugin \(BuildStamp.nekoVersion) \(BuildStamp.configuration), ABI 1.0)"), "\(swift.stdout)")
    }

    @Test func statusJSONWithoutAServerIsAJSONError() throws {
        let workspace = try Workspace()
        let nobody = "\(workspace.root)/nobody.sock"
        let status = try Shell.run(Workspace.nekoctl, ["status", "--json", "--socket", nobody])
        #expect(status.status == 1)
        let error = try JSON.parse(Array(status.stdout.utf8))
        #expect(error["error"]?["code"] == "unavailable", "\(status.stdout)")
        #expect(error["error"]?["message"]?.stringValue?.contains(nobody) == true)
        let table = try Shell.run(Workspace.nekoctl, ["status", "--socket", nobody])
        #expect(table.status == 1)
        #expect(table.stdout.isEmpty)
        #expect(table.stderr.contains("error: unavailable: 'status' needs a running 'nekoctl serve'"))
    }

    @Test func statusFitsIn100Columns() throws {
        let serve = try ServeProcess()
        let client = try ControlClient(path: serve.socket)
        // A long last error and a reload: the widest cells the table has.
        let message = String(repeating: "a long reason, ", count: 20)
        _ = try client.request("call", ["plugin": "hello", "entry": "fail", "args": ["message": .string(message)]])
        _ = try client.request("reload", ["plugin": "hello"]).get()
        let table = try serve.nekoctl("status", "--socket", serve.socket)
        #expect(table.status == 0, "\(table.stderr)")
        let lines = table.stdout.split(separator: "\n")
        #expect(lines.count == 3, "\(table.stdout)")
        for line in lines { #expect(line.count <= 100, "\(line.count) columns: \(line)") }
        let hello = try #require(lines.first { $0.hasPrefix("hello ") })
        #expect(hello.contains("execution_f"), "the error, cut: \(hello)")
        #expect(hello.contains("…"))
        #expect(hello.hasSuffix(" ms") || hello.hasSuffix(" s"), "the last reload is whole: \(hello)")
        // --json has the whole message.
        let json = try JSON.parse(Array(try serve.nekoctl("status", "--json", "--socket", serve.socket).stdout.utf8))
        #expect(json.arrayValue?.first { $0["id"] == "hello" }?["last_error"]?["message"]?.stringValue == message)
    }
}
