import Dispatch
import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe
import Synchronization
import Testing

/// `nekoctl serve` as a real child process: its control socket, its
/// protocol, its routing from the other commands, and how it stops.
@Suite(.timeLimit(.minutes(3))) struct ServeTests {
    @Test func pingListAndCallThroughTheSocket() throws {
        let serve = try ServeProcess()
        let client = try ControlClient(path: serve.socket)
        let pong = try client.request("ping").get()
        #expect(pong["pid"] == .int(Int64(serve.process.processIdentifier)))
        #expect(pong["roots"] == [.string(serve.workspace.root)])

        let list = try client.request("list").get()
        #expect(list.arrayValue?.first { $0["id"] == "hello" }?["state"] == "loaded")
        #expect(list.arrayValue?.first { $0["id"] == "hello" }?["entries"] == 14)
        let greeting = try client.request("call", ["plugin": "hello", "entry": "greet", "args": ["name": "Ada"]]).get()
        #expect(greeting == ["greeting": "Hello, Ada!"])
        let refused = client.request(unwrapping: "call", ["plugin": "hello", "entry": "greet", "args": ["name": 42]])
        #expect(refused?.code == "invalid_argument")
        #expect(refused?.field == "name")
        #expect(try client.request("call", ["plugin": "nosuch", "entry": "x"]).failureCode == "not_found")

        // nekoctl routes to the running host: with --socket, and with NEKO_SOCKET.
        let call = try serve.nekoctl("call", "hello", "greet", "name=Grace", "--socket", serve.socket)
        #expect(call.status == 0, "\(call.stderr)")
        #expect(try JSON.parse(call.stdout) == ["greeting": "Hello, Grace!"])
        let listed = try serve.nekoctl("list", "--json", environment: ["NEKO_SOCKET": serve.socket])
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(try JSON.parse(listed.stdout) == list)
        let failed = try serve.nekoctl("call", "hello", "greet", "name:=42", "--socket", serve.socket)
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("error: invalid_argument: argument 'name' must be a string, got 42"))
        let info = try serve.nekoctl("info", "hello", "--socket", serve.socket)
        #expect(info.status == 0, "\(info.stderr)")
        #expect(info.stdout.contains("sleep (async)"))

        // The calls counted are the server's: the routed ones went there.
        let hello = try #require(try client.request("status").get().arrayValue?.first { $0["id"] == "hello" })
        #expect(hello["calls_served"] == 2)
        #expect(hello["calls_failed"] == 2)
        #expect(hello["last_error"]?["code"] == "invalid_argument")
    }

    @Test func progressReportsComeAsEventLinesBeforeTheResponse() throws {
        let workspace = try Workspace()
        try workspace.writeManifest("ctx", abi: "1.1")
        try workspace.compile("ctx", source: "\(Workspace.repository)/Tests/Fixtures/c/context.c")
        let serve = try ServeProcess(workspace: workspace)
        let client = try ControlClient(path: serve.socket)
        var events: [JSON] = []
        let result = try client.request("call", ["plugin": "ctx", "entry": "progress", "progress": true]) { events.append($0) }.get()
        #expect(result == ["steps": 3])
        #expect(events.map { $0["message"] } == ["step 1", "step 2", "step 3"])
        #expect(events.allSatisfy { $0["event"] == "progress" && $0["total"] == 3.0 && $0["id"] != nil })
        // Not asked: no event line, and the next request's answer is the next line.
        events = []
        #expect(try client.request("call", ["plugin": "ctx", "entry": "progress"]) { events.append($0) }.get() == ["steps": 3])
        #expect(events.isEmpty)
        #expect(client.request(unwrapping: "call", ["plugin": "ctx", "entry": "progress", "progress": "yes"])?.field == "progress")
        // nekoctl call --progress prints them on standard error, through the server and in-process.
        for route in [["--socket", serve.socket], ["--dir", workspace.root, "--socket", "\(workspace.root)/nobody.sock"]] {
            let call = try Shell.run(
                Workspace.nekoctl, ["call", "ctx", "progress", "--progress"] + route, environment: ["NEKO_CACHE_DIR": workspace.cache])
            #expect(call.status == 0, "\(route): \(call.stderr)")
            #expect(call.stderr.contains("progress: 1/3 step 1\nprogress: 2/3 step 2\nprogress: 3/3 step 3"), "\(route): \(call.stderr)")
            #expect(try JSON.parse(call.stdout) == ["steps": 3])
        }
    }

    @Test func theSocketIsPrivate() throws {
        let serve = try ServeProcess()
        var info = stat()
        #expect(stat(serve.socket, &info) == 0)
        #expect(info.st_mode & S_IFMT == S_IFSOCK)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat((serve.socket as NSString).deletingLastPathComponent, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
    }

    @Test func thePeerCheckRefusesAnotherUser() {
        let me = getuid()
        #expect(ControlServer.peerRefusal(PeerCredentials(pid: 42, uid: me, gid: getgid()), ownerUID: me) == nil)
        let other = ControlServer.peerRefusal(PeerCredentials(pid: 42, uid: me &+ 1000, gid: 0), ownerUID: me)
        #expect(other?.contains("uid \(me &+ 1000)") == true)
        #expect(other?.contains("belongs to uid \(me)") == true)
        #expect(ControlServer.peerRefusal(nil, ownerUID: me) != nil, "unknown credentials are refused")
    }

    @Test func malformedRequestsGetBadRequestAndTheConnectionGoesOn() throws {
        let serve = try ServeProcess()
        let client = try ControlClient(path: serve.socket)
        let lines: [(String, String?)] = [
            ("\u{1}\u{2}garbage\u{ff}", nil), ("[1,2,3]", nil), (#"{"id":7,"op":"nope"}"#, "op"),
            (#"{"id":8,"op":"call","plugin":"hello"}"#, "entry"), (#"{"id":9}"#, "op"),
            (#"{"id":10,"op":"call","plugin":"hello","entry":"greet","args":[1]}"#, "args"),
        ]
        for (line, field) in lines {
            try client.send(Array(line.utf8) + [UInt8(ascii: "\n")])
            let response = try client.receive()
            #expect(response["ok"] == false, "\(line)")
            #expect(response["error"]?["code"] == "bad_request", "\(line)")
            #expect(response["error"]?["field"] == (field.map { .string($0) } ?? .null), "\(line)")
        }
        #expect(try client.request("ping").get()["pid"] != nil, "the same connection still works")

        // A line over 1 MiB is refused and that connection closed; the host goes on.
        let huge = try ControlClient(path: serve.socket)
        try? huge.send([UInt8](repeating: UInt8(ascii: "x"), count: ControlSocket.maximumLineLength + 10))
        let refusal = try huge.receive()
        #expect(refusal["error"]?["code"] == "bad_request")
        let message = refusal["error"]?["message"]?.stringValue ?? ""
        #expect(message.contains("longer than"))
        #expect(throws: ControlClient.Failure.self) { try huge.receive(timeout: .seconds(30)) }
        #expect(try ControlClient(path: serve.socket).request("ping").get()["pid"] != nil)
    }

    @Test func unloadLetsACallInProgressFinishThenAnswersNotFound() throws {
        let serve = try ServeProcess()
        let sleeping = BackgroundRequest(serve.socket, "call", ["plugin": "hello", "entry": "sleep", "args": ["ms": 300]])
        try sleeping.waitUntilStarted()
        let client = try ControlClient(path: serve.socket)
        #expect(try client.request("unload", ["plugin": "hello"]).get()["state"] == "stopped")
        #expect(try sleeping.wait() == .success(["slept": 300]))
        #expect(try client.request("call", ["plugin": "hello", "entry": "greet", "args": ["name": "Ada"]]).failureCode == "not_found")
        #expect(try client.request("status").get().arrayValue?.first { $0["id"] == "hello" }?["state"] == "stopped")
    }

    @Test func sigtermLetsCallsInProgressFinishAndExitsZero() throws {
        let serve = try ServeProcess()
        let calls = (0..<3).map { _ in
            BackgroundRequest(serve.socket, "call", ["plugin": "hello", "entry": "sleep", "args": ["ms": 300]])
        }
        for call in calls { try call.waitUntilStarted() }
        let status = try serve.terminate()
        for call in calls { #expect(try call.wait() == .success(["slept": 300])) }
        #expect(status == 0, "\(serve.logText)")
        #expect(!FileManager.default.fileExists(atPath: serve.socket), "the socket file is removed")
        #expect(serve.logText.contains("SIGTERM"))
    }

    @Test func reloadThroughTheSocketMakesGenerationTwo() throws {
        let serve = try ServeProcess()
        let client = try ControlClient(path: serve.socket)
        let reloaded = try client.request("reload", ["plugin": "hello"]).get()
        #expect(reloaded["generation"] == 2)
        #expect(reloaded["duration_ms"]?.doubleValue != nil)
        let hello = try #require(try client.request("status").get().arrayValue?.first { $0["id"] == "hello" })
        #expect(hello["generation"] == 2)
        #expect(hello["last_reload"]?["generation"] == 2)
        #expect(hello["last_reload"]?["failure"] == .null)
        #expect(try client.request("reload", ["plugin": "nosuch"]).failureCode == "not_found")

        let command = try serve.nekoctl("reload", "hello", "--socket", serve.socket)
        #expect(command.status == 0, "\(command.stderr)")
        #expect(command.stdout.contains("generation 3"))
        let table = try serve.nekoctl("status", "--socket", serve.socket)
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("hello ") && $0.contains(" 3 ") })
    }

    @Test func isolatedServeShowsWorkersAndEndsThemOnSIGTERM() throws {
        let serve = try ServeProcess(extra: ["--isolate"])
        let client = try ControlClient(path: serve.socket)
        let status = try #require(try client.request("status").get().arrayValue)
        let pids = status.compactMap { $0["pid"]?.intValue }
        #expect(pids.count == 2, "hello and cgreet each in a worker: \(status)")
        #expect(status.allSatisfy { $0["isolation"] == "process" })
        #expect(try client.request("call", ["plugin": "hello", "entry": "relay", "args": ["name": "Ada"]]).get() == ["greeting": "Hello, Ada!"])
        let table = try serve.nekoctl("status", "--socket", serve.socket)
        #expect(table.stdout.split(separator: "\n").contains { $0.hasPrefix("hello ") && $0.contains("pid ") }, "\(table.stdout)")
        #expect(try serve.terminate() == 0)
        for pid in pids { #expect(kill(Int32(pid), 0) == -1, "worker \(pid) ended with its host") }
    }

    @Test func loadAddsAFolderFromAnywhereAndSettingsGoThrough() throws {
        let serve = try ServeProcess()
        let elsewhere = "\(serve.base)/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Workspace.builtPlugins)/configurable", toPath: "\(elsewhere)/configurable")
        let loaded = try serve.nekoctl("load", "\(elsewhere)/configurable", "--socket", serve.socket)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        let client = try ControlClient(path: serve.socket)
        #expect(try client.request("list").get().arrayValue?.first { $0["id"] == "configurable" }?["state"] == "loaded")
        let changed = try serve.nekoctl("settings", "configurable", "timeout:=90", "--socket", serve.socket)
        #expect(changed.status == 0, "\(changed.stderr)")
        #expect(try client.request("settings", ["plugin": "configurable"]).get() == ["timeout": 90])
        #expect(try client.request("config", ["plugin": "configurable"]).get() == ["timeout": 90], "the op's name before 1.1")
        #expect(try client.request("load", ["path": .string("\(elsewhere)/missing")]).failureCode == "invalid_argument")
    }

    @Test func aStaleSocketIsReplacedAndALiveOneRefused() throws {
        let workspace = try Workspace()
        try workspace.install("cgreet")
        let base = (workspace.root as NSString).deletingLastPathComponent
        let socket = "\(base)/run/nekoctl.sock"
        try FileManager.default.createDirectory(atPath: "\(base)/run", withIntermediateDirectories: true)
        try makeStaleSocket(at: socket)
        let serve = try ServeProcess(workspace: workspace, socket: socket)
        #expect(try ControlClient(path: socket).request("ping").get()["pid"] == .int(Int64(serve.process.processIdentifier)))
        let second = try serve.nekoctl("serve", "--socket", socket)
        #expect(second.status == 1)
        #expect(second.stderr.contains("another nekoctl serve is running at \(socket)"))
        #expect(try ControlClient(path: socket).request("ping").get()["pid"] != nil, "the first one goes on")
    }

    @Test func withoutAServerLoadCopiesIntoTheFirstRootAndStatusSaysSo() throws {
        let workspace = try Workspace()
        let base = (workspace.root as NSString).deletingLastPathComponent
        let nobody = "\(base)/nobody.sock"
        let environment = ["NEKO_CACHE_DIR": workspace.cache]
        let loaded = try Shell.run(Workspace.nekoctl, ["load", "\(Workspace.builtPlugins)/cgreet", "--dir", workspace.root, "--socket", nobody], environment: environment)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout.contains("copied"))
        #expect(FileManager.default.fileExists(atPath: "\(workspace.root)/cgreet/libcgreet.so"))
        let status = try Shell.run(Workspace.nekoctl, ["status", "--socket", nobody], environment: environment)
        #expect(status.status == 1)
        #expect(status.stderr.contains("none answers at \(nobody)"))
        let call = try Shell.run(Workspace.nekoctl, ["call", "cgreet", "greet", "name=Ada", "--dir", workspace.root, "--socket", nobody], environment: environment)
        #expect(call.status == 0, "in-process: \(call.stderr)")
    }

    @Test func watchReloadsARebuiltLibrary() throws {
        let serve = try ServeProcess(extra: ["--watch", "--verbose"])
        let library = "\(serve.workspace.root)/hello/libhello.so"
        // A build's way: a new file beside it, then a rename.
        try FileManager.default.copyItem(atPath: library, toPath: library + ".tmp")
        #expect(rename(library + ".tmp", library) == 0)
        // The watcher logs each action (at info level: --verbose), after it.
        try serve.waitForOutput("watch: hello reloaded")
        let client = try ControlClient(path: serve.socket)
        #expect(try client.request("status").get().arrayValue?.first { $0["id"] == "hello" }?["generation"] == 2)
        #expect(try client.request("call", ["plugin": "hello", "entry": "greet", "args": ["name": "Ada"]]).get() == ["greeting": "Hello, Ada!"])
    }

    /// A socket file nobody listens on, as a server that was killed leaves it.
    private func makeStaleSocket(at path: String) throws {
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: Array(path.utf8) + [0])
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        #expect(bound == 0)
    }
}

/// A request sent on its own connection from a thread of its own.
private final class BackgroundRequest: Sendable {
    private let group = DispatchGroup()
    private let outcome = Mutex<Result<JSON, ControlError>?>(nil)

    /// Progress reports (event lines) of the request, which asks for them.
    private let progress = Happenings<JSON>()

    init(_ socket: String, _ op: String, _ fields: JSONObject) {
        group.enter()
        var asking = fields
        asking["progress"] = true
        let request = asking
        let progress = self.progress
        // A thread of its own: Dispatch's pool may run fewer blocking calls at once than asked.
        Thread.detachNewThread { [self] in
            let result: Result<JSON, ControlError>
            do throws(ControlClient.Failure) {
                result = try ControlClient(path: socket).request(op, request, timeout: .seconds(60)) { progress.record($0) }
            } catch {
                result = .failure(ControlError("transport", error.message))
            }
            self.outcome.withLock { $0 = result }
            self.group.leave()
        }
    }

    /// Waits (bounded) for the call's first progress report: the entry runs
    /// (hello's `sleep` reports as it starts), so the server counts it in flight.
    func waitUntilStarted(sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard progress.wait("the call's first progress report", sourceLocation: sourceLocation) else {
            throw ChildFailure(message: "the call never started")
        }
    }

    /// The response, waiting (bounded) for it.
    func wait() throws -> Result<JSON, ControlError> {
        guard group.wait(timeout: .now() + 90) == .success, let result = outcome.withLock({ $0 }) else {
            throw ChildFailure(message: "a background request never finished")
        }
        return result
    }
}

extension Result where Success == JSON, Failure == ControlError {
    /// The error's code, or nil on success.
    var failureCode: String? {
        if case .failure(let error) = self { return error.code }
        return nil
    }
}

extension ControlClient {
    /// The server's error for this request, or nil when it succeeded or the transport failed.
    func request(unwrapping op: String, _ fields: JSONObject) -> ControlError? {
        guard case .failure(let error)? = try? request(op, fields) else { return nil }
        return error
    }
}
