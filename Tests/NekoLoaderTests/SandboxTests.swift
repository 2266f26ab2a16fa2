import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe
import Testing

/// `isolation = "sandbox"`: a hostile plugin (Tests/Fixtures/c/sandbox_probe.c)
/// in a real sandboxed worker tries what its `[plugin.permissions]` deny and
/// allow, and gets what the kernel answers.
@Suite(.timeLimit(.minutes(3))) struct SandboxTests {
    let workspace: Workspace
    /// A folder outside every allowed path, standing in for `~/.ssh`.
    let home: String

    init() throws {
        workspace = try Workspace()
        home = (workspace.root as NSString).deletingLastPathComponent + "/home"
        try FileManager.default.createDirectory(atPath: "\(home)/.ssh", withIntermediateDirectories: true)
        try "PRIVATE KEY".write(toFile: "\(home)/.ssh/id_ed25519", atomically: true, encoding: .utf8)
    }

    /// Writes the hostile plugin with these `[plugin.permissions]` lines, sandboxed.
    func install(_ permissions: String, runtime: String = "") throws {
        try workspace.writeManifest("hostile", rest: "[plugin.permissions]\n\(permissions)\n\n[plugin_runtime]\nisolation = \"sandbox\"\n\(runtime)")
        try workspace.compile("hostile", source: "\(Workspace.repository)/Tests/Fixtures/c/sandbox_probe.c")
    }

    /// A host with the hostile plugin loaded (it must load).
    func start(_ configure: (inout HostOptions) -> Void = { _ in }) -> PluginHost {
        var options = workspace.options()
        configure(&options)
        let host = PluginHost(options: options)
        let report = host.loadAll()
        #expect(report.failed.isEmpty, "\(report.failed)")
        return host
    }

    struct Answer: Decodable {
        var ok: Bool
        var errno: Int32?
        var value: String?
    }

    /// What the plugin got when it tried `op` on `arg`.
    func attempt(_ host: PluginHost, _ op: String, _ arg: String = "") throws -> Answer {
        let arguments = JSON.object(["op": .string(op), "arg": .string(arg)]).description
        return try NekoJSONDecoder().decode(Answer.self, from: host.callBlocking("hostile", "try", arguments: Array(arguments.utf8)))
    }

    func expectDenied(_ answer: Answer, _ expected: Int32, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(!answer.ok && answer.errno == expected, "\(what): expected errno \(expected), got \(answer)", sourceLocation: sourceLocation)
    }

    @Test func filesOutsideThePermissionsAreDenied() throws {
        try install("read = [\"assets\"]\nwrite = [\"cache\"]")
        let folder = "\(workspace.root)/hostile"
        try FileManager.default.createDirectory(atPath: "\(folder)/assets", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: "\(folder)/cache", withIntermediateDirectories: true)
        try "asset text".write(toFile: "\(folder)/assets/a.txt", atomically: true, encoding: .utf8)
        let host = start()
        defer { host.shutdown() }
        let status = try #require(host.plugin("hostile"))
        let sandbox = try #require(status.sandbox, "a sandboxed plugin reports what is enforced")
        #expect(sandbox.landlockABI >= 1 && sandbox.seccomp && sandbox.networkNamespace, "\(sandbox)")
        #expect(sandbox.problems.isEmpty && !status.warnings.contains { $0.hasPrefix("sandbox:") }, "\(status.warnings)")

        expectDenied(try attempt(host, "read", "\(home)/.ssh/id_ed25519"), EACCES, "a key in the user's home")
        expectDenied(try attempt(host, "read", "/etc/shadow"), EACCES, "/etc/shadow")
        expectDenied(try attempt(host, "read", "\(folder)/plugin.toml"), EACCES, "its own plugin.toml (not declared)")
        #expect(try attempt(host, "read", "\(folder)/assets/a.txt").value == "asset text", "a declared read path")
        // Writes: the data folder (<folder>/data without a data root) and the declared path only.
        let data = try #require(try attempt(host, "datadir").value)
        #expect(data == "\(folder)/data")
        #expect(try attempt(host, "write", "\(data)/store.txt").ok)
        #expect(try attempt(host, "read", "\(data)/store.txt").value == "sandboxed")
        #expect(try attempt(host, "write", "\(folder)/cache/c.txt").ok)
        expectDenied(try attempt(host, "write", "\(folder)/plugin.toml"), EACCES, "its own plugin.toml")
        expectDenied(try attempt(host, "write", "\(folder)/assets/a.txt"), EACCES, "a read-only path")
        expectDenied(try attempt(host, "write", "\(home)/planted"), EACCES, "the user's home")
        expectDenied(try attempt(host, "write", "/tmp/neko-sandbox-escape"), EACCES, "/tmp")
        #expect(!FileManager.default.fileExists(atPath: "\(home)/planted"))
        // A symlink planted in the data folder does not lead outside.
        #expect(try attempt(host, "plant", "\(home)/.ssh/id_ed25519").ok)
        expectDenied(try attempt(host, "read", "\(data)/escape"), EACCES, "a symlink in data/ to the home")
    }

    @Test func systemCallsNoPluginNeedsFailWithEPERM() throws {
        try install("")
        let host = start()
        defer { host.shutdown() }
        expectDenied(try attempt(host, "ptrace"), EPERM, "ptrace of the host")
        expectDenied(try attempt(host, "mount"), EPERM, "mount")
        expectDenied(try attempt(host, "exec", "/bin/true"), EPERM, "exec with exec = false")
        expectDenied(try attempt(host, "unix", "/run/neko.sock"), EPERM, "a named Unix socket")
        if let abi = host.plugin("hostile")?.sandbox?.landlockABI, abi >= 6 {
            expectDenied(try attempt(host, "kill"), EPERM, "a signal to the host (Landlock ABI 6 scope)")
        }
        #expect(try attempt(host, "datadir").ok, "the plugin still answers after each denial")
    }

    @Test func aDeniedCallIsLoggedOncePerKindWithThePluginsID() throws {
        try install("")
        let log = CapturedLog()
        let host = start { $0.logger = log.logger() }
        defer { host.shutdown() }
        for _ in 0..<3 { expectDenied(try attempt(host, "ptrace"), EPERM, "ptrace") }
        expectDenied(try attempt(host, "mount"), EPERM, "mount")
        for call in ["ptrace", "mount"] {
            let line = log.wait(at: .warning, for: "tried \(call)", limit: .seconds(30))
            #expect(line?.contains("sandbox: hostile tried \(call), denied (EPERM)") == true, "\(String(describing: line))")
        }
        // Three ptrace denials, one line (the worker reports the pipe's bytes
        // in one scan, and each kind once).
        expectDenied(try attempt(host, "ptrace"), EPERM, "ptrace again")
        _ = try attempt(host, "datadir")
        #expect(log.messages(at: .warning).filter { $0.contains("tried ptrace") }.count == 1, "\(log.messages(at: .warning))")
    }

    @Test func listedProgramsRunAndOthersDoNot() throws {
        try install("exec = [\"/bin/true\"]")
        let host = start()
        defer { host.shutdown() }
        let ran = try attempt(host, "exec", "/bin/true")
        #expect(ran.ok && ran.value == "0", "\(ran)")
        expectDenied(try attempt(host, "exec", "/bin/sh"), EACCES, "a program not listed")
    }

    /// The host's own variables (no setenv here: tests run beside each other
    /// in this process, and posix_spawn reads the environment).
    @Test func theHostsEnvironmentIsNotInherited() throws {
        let environment = ProcessInfo.processInfo.environment
        let home = try #require(environment["HOME"], "the test needs $HOME")
        #expect(environment["PATH"] != nil)
        try install("env = [\"HOME\"]")
        let host = start()
        defer { host.shutdown() }
        #expect(try attempt(host, "env", "PATH").value == "(unset)", "a variable not listed")
        #expect(try attempt(host, "env", "HOME").value == home, "a listed variable")
        // What the host gives every worker (HostOptions.workerEnvironment) is there too.
        #expect(try attempt(host, "env", "SWIFT_BACKTRACE").value == "enable=no")
    }

    /// A listening TCP socket on 127.0.0.1: the test's loopback server.
    final class LoopbackListener {
        let descriptor: Int32
        let port: UInt16

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            let bound = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
            guard fd >= 0, bound == 0, listen(fd, 8) == 0 else {
                if fd >= 0 { close(fd) }
                throw CocoaError(.fileWriteUnknown)
            }
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
            descriptor = fd
            port = UInt16(bigEndian: address.sin_port)
        }

        /// Takes one connection that is already there (the plugin's connect
        /// returned): true when there was one.
        func acceptWaiting() -> Bool {
            var poll = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            guard Glibc.poll(&poll, 1, 0) == 1 else { return false }
            let connection = accept(descriptor, nil, nil)
            guard connection >= 0 else { return false }
            close(connection)
            return true
        }

        deinit { close(descriptor) }
    }

    @Test func networkNoneRefusesALoopbackConnection() throws {
        let server = try LoopbackListener()
        try install("network = \"none\"")
        let host = start()
        defer { host.shutdown() }
        let answer = try attempt(host, "connect", "\(server.port)")
        #expect(!answer.ok, "\(answer)")
        #expect(!server.acceptWaiting(), "nothing reached the server")
    }

    @Test func networkLoopbackConnects() throws {
        let server = try LoopbackListener()
        try install("network = \"loopback\"")
        let host = start()
        defer { host.shutdown() }
        #expect(try attempt(host, "connect", "\(server.port)").ok)
        #expect(server.acceptWaiting(), "the connection reached the server")
    }

    @Test func aNetworkListAllowsItsPortsOnly() throws {
        let listed = try LoopbackListener()
        let other = try LoopbackListener()
        try install("network = [\"127.0.0.1:\(listed.port)\"]")
        let host = start()
        defer { host.shutdown() }
        #expect(try attempt(host, "connect", "\(listed.port)").ok)
        #expect(listed.acceptWaiting())
        expectDenied(try attempt(host, "connect", "\(other.port)"), EACCES, "a port not listed")
        #expect(!other.acceptWaiting())
        #expect(host.plugin("hostile")?.sandbox?.landlockNetwork == true)
    }

    struct Outcome: Decodable {
        var errno: Int32
        var value: String
    }

    /// The Swift probe (Tests/Fixtures/swift/sandbox_probe): what a Swift
    /// plugin meets is what a C one does.
    @Test func aHostileSwiftPluginIsConfinedToo() throws {
        let server = try LoopbackListener()
        let other = try LoopbackListener()
        let bin = ProcessInfo.processInfo.environment["NEKO_BIN"] ?? "\(Workspace.repository)/.build/\(Workspace.configuration)"
        let library = "\(bin)/libsandbox_probe.so"
        try #require(FileManager.default.fileExists(atPath: library), "\(library) is missing: run `make test` (swift build builds the fixtures)")
        try workspace.writeManifest("hostile_swift", rest: "[plugin.permissions]\nnetwork = [\"127.0.0.1:\(server.port)\"]\n\n[plugin_runtime]\nisolation = \"sandbox\"")
        try workspace.replaceLibrary(of: "hostile_swift", with: library)
        let host = start()
        defer { host.shutdown() }
        func call(_ entry: String, _ arguments: JSON) throws -> Outcome {
            try NekoJSONDecoder().decode(Outcome.self, from: host.callBlocking("hostile_swift", entry, arguments: Array(arguments.description.utf8)))
        }
        #expect(try call("read", ["path": .string("\(home)/.ssh/id_ed25519")]).errno == EACCES)
        #expect(try call("write", ["path": .string("\(home)/planted")]).errno == EACCES)
        let data = try NekoJSONDecoder().decode(String.self, from: host.callBlocking("hostile_swift", "data", arguments: []))
        #expect(try call("write", ["path": .string("\(data)/mine.txt")]).errno == 0)
        #expect(try call("read", ["path": .string("\(data)/mine.txt")]).value == "from Swift")
        #expect(try call("connect", ["port": .int(Int64(server.port))]).errno == 0)
        #expect(server.acceptWaiting())
        #expect(try call("connect", ["port": .int(Int64(other.port))]).errno == EACCES)
        #expect(try call("spawn", ["path": "/bin/true"]).errno == EPERM)
    }

    // MARK: - When the kernel lacks a feature

    /// Makes the worker act as if the kernel lacked `features` (a test-only
    /// switch of neko-worker, `$NEKO_SANDBOX_SIMULATE_MISSING`).
    func simulatingMissing(_ features: String) -> (inout HostOptions) -> Void {
        { $0.workerEnvironment["NEKO_SANDBOX_SIMULATE_MISSING"] = features }
    }

    @Test func aMissingFeatureStartsThePluginWithAWarning() throws {
        try install("network = \"none\"")
        let host = start(simulatingMissing("landlock"))
        defer { host.shutdown() }
        let status = try #require(host.plugin("hostile"))
        #expect(status.state == .loaded)
        #expect(status.sandbox?.landlockABI == 0 && status.sandbox?.seccomp == true)
        #expect(status.warnings.contains { $0.hasPrefix("sandbox: not enforced: files: Landlock is not available") }, "\(status.warnings)")
        // What is still enforced is: seccomp.
        expectDenied(try attempt(host, "ptrace"), EPERM, "ptrace without Landlock")
    }

    @Test(arguments: [(true, false), (false, true)])
    func aMissingFeatureIsRefusedWhenTheSandboxIsRequired(manifest: Bool, hostOption: Bool) throws {
        try install(manifest ? "require_sandbox = true" : "")
        var options = workspace.options()
        simulatingMissing("seccomp,netns")(&options)
        options.requireSandbox = hostOption
        let host = PluginHost(options: options)
        defer { host.shutdown() }
        host.loadAll()
        guard case .failed(let failure)? = host.plugin("hostile")?.state else {
            Issue.record("expected a refusal, got \(String(describing: host.plugin("hostile")?.state))")
            return
        }
        #expect(failure.message.contains("the sandbox cannot be enforced, and it is required"), "\(failure.message)")
        #expect(failure.message.contains("system calls: no seccomp filter"), "\(failure.message)")
        #expect(failure.message.contains("network = \"none\": no network namespace"), "\(failure.message)")
        #expect(failure.message.contains("require_sandbox"), "\(failure.message)")
    }

    @Test func aSwiftPluginKeepsItsSQLiteStoreInItsDataFolder() throws {
        try workspace.install("persistent")
        let manifest = "\(workspace.root)/persistent/plugin.toml"
        try (String(contentsOfFile: manifest, encoding: .utf8) + "\n[plugin_runtime]\nisolation = \"sandbox\"\n").write(toFile: manifest, atomically: true, encoding: .utf8)
        let host = start()
        defer { host.shutdown() }
        #expect(host.plugin("persistent")?.sandbox?.seccomp == true)
        _ = try host.callBlocking("persistent", "save", arguments: Array(#"{"key":"k","value":"sandboxed"}"#.utf8))
        let got = try host.callBlocking("persistent", "get", arguments: Array(#"{"key":"k"}"#.utf8)).text
        #expect(got.contains("\"sandboxed\""), "\(got)")
        #expect(FileManager.default.fileExists(atPath: "\(workspace.root)/persistent/data/data.db"))
    }

    @Test func aReloadKeepsTheSandbox() throws {
        try install("")
        let host = start()
        defer { host.shutdown() }
        let before = host.plugin("hostile")?.workerPID
        guard case .success = host.reload("hostile") else {
            Issue.record("the reload failed: \(String(describing: host.plugin("hostile")?.lastReload))")
            return
        }
        let after = try #require(host.plugin("hostile"))
        #expect(after.workerPID != before && after.sandbox?.seccomp == true)
        expectDenied(try attempt(host, "read", "\(home)/.ssh/id_ed25519"), EACCES, "after the reload")
    }

    @Test func infoShowsTheDeclaredPermissionsAndWhatIsEnforced() throws {
        try install("network = [\"127.0.0.1:8080\"]\nenv = [\"LANG\"]")
        let host = start()
        defer { host.shutdown() }
        let info = try #require(host.plugin("hostile")).infoJSON
        #expect(info["isolation"] == "sandbox")
        #expect(info["permissions"]?["network"] == .array(["127.0.0.1:8080"]))
        #expect(info["permissions"]?["exec"] == false && info["permissions"]?["env"] == .array(["LANG"]))
        #expect(info["permissions"]?["write"] == .array([]), "the data folder is implied, not listed")
        #expect(info["sandbox"]?["seccomp"] == true && info["sandbox"]?["landlock_network"] == true)
        #expect(info["sandbox"]?["network_namespace"] == false, "a list of ports is not network = \"none\"")
        #expect(info["sandbox"]?["not_enforced"] == .array([]))
        // And through the command line, which loads it the same way.
        let output = try Shell.run(Workspace.nekoctl, ["info", "hostile", "--dir", workspace.root],
                                   environment: ["NEKO_CACHE_DIR": workspace.cache, "NEKO_WORKER": Workspace.worker])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("isolation:   sandbox"), "\(output.stdout)")
        #expect(output.stdout.contains("enforced:    Landlock ABI"), "\(output.stdout)")
        #expect(output.stdout.contains("seccomp"), "\(output.stdout)")
    }

    @Test func checkWarnsAboutBroadPermissions() throws {
        try install("write = [\"/\"]\nnetwork = \"any\"")
        let check = try PluginCheck.run(folder: "\(workspace.root)/hostile", cacheDirectory: workspace.cache).get()
        #expect(check.warnings.contains { $0.hasSuffix("plugin.toml: [plugin.permissions] write = [\"/\"]: the plugin may write anywhere under /") }, "\(check.warnings)")
        #expect(check.warnings.contains { $0.hasSuffix("plugin.toml: [plugin.permissions] network = \"any\": the plugin may connect anywhere") }, "\(check.warnings)")
    }

    @Test func aSandboxedPluginRestartsAfterACrashStillSandboxed() throws {
        try install("")
        let host = start { $0.restartPolicy.firstDelay = .milliseconds(20) }
        defer { host.shutdown() }
        let first = try #require(host.plugin("hostile")?.workerPID)
        kill(first, SIGKILL)
        let back = host.waitForPlugin("hostile", timeout: .seconds(60)) { $0.state == .loaded && $0.restarts >= 1 }
        #expect(back?.sandbox?.seccomp == true)
        expectDenied(try attempt(host, "read", "\(home)/.ssh/id_ed25519"), EACCES, "after the restart")
    }
}
