import Foundation
@_spi(Neko) import NekoCore
import NekoPackage
import NekoServe
import Testing

/// A running `nekoctl serve` switches to what `install` and `rollback` put in place.
@Suite struct ServeSwitchTests {
    @Test func installAndRollbackReloadTheRunningHost() throws {
        let work = try PackageWorkspace()
        let first = try work.pack(try work.plugin(name: "a"), as: "first")
        _ = try Installation(root: work.root).install(package: first, trust: work.trust)
        // The same version, another build: one byte more in the library, another template.
        let source = try work.plugin(name: "b")
        let library = try #require(FileHandle(forWritingAtPath: source + "/libcgreet.so"))
        try library.seekToEnd()
        try library.write(contentsOf: Data([0]))
        try library.close()
        try "<p>rebuilt</p>".write(toFile: source + "/templates/page.html", atomically: true, encoding: .utf8)
        let second = try work.pack(source, as: "second")

        let socket = work.base + "/serve.sock"
        let serve = try ServeChild(work, ["serve", "--dir", work.root, "--socket", socket])
        let client = try ControlClient(path: socket)
        #expect(try generation(client) == 1)

        let install = try work.run(PackageWorkspace.nekoctl, ["install", "--dir", work.root, "--socket", socket, second])
        #expect(install.status == 0, "\(install.stderr)")
        #expect(install.stdout.contains("reloaded cgreet in the nekoctl serve"), "\(install.stdout)")
        #expect(try generation(client) == 2)
        #expect(try String(contentsOfFile: work.root + "/cgreet/templates/page.html", encoding: .utf8) == "<p>rebuilt</p>")

        let rollback = try work.run(PackageWorkspace.nekoctl, ["rollback", "--dir", work.root, "--socket", socket, "cgreet"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(try generation(client) == 3)
        let greeting = try client.request("call", ["plugin": "cgreet", "entry": "greet", "args": ["name": "Ada"]]).get()
        #expect(greeting["greeting"]?.stringValue?.contains("Ada") == true, "\(greeting)")
        serve.stop()
    }

    @Test func serveRequireSignatureRefusesAnUnsignedPlugin() throws {
        let work = try PackageWorkspace()
        _ = try Installation(root: work.root).install(package: try work.pack(try work.plugin(), as: "unsigned"), trust: work.trust)
        let socket = work.base + "/serve.sock"
        let serve = try ServeChild(work, ["serve", "--dir", work.root, "--socket", socket, "--require-signature"])
        let list = try ControlClient(path: socket).request("list").get()
        let plugin = try #require(list.arrayValue?.first { $0["id"] == "cgreet" })
        #expect(plugin["state"] == "failed")
        #expect(serve.output.contains("installed from an unsigned package, and signatures are required"), "\(serve.output)")
        serve.stop()
    }

    private func generation(_ client: ControlClient) throws -> Int? {
        let status = try client.request("status").get()
        return status.arrayValue?.first { $0["id"] == "cgreet" }?["generation"]?.intValue
    }
}

/// A `nekoctl serve` child whose output is read as it comes; waits for it to listen.
private final class ServeChild: @unchecked Sendable {  // text is guarded by state
    let process = Process()
    private let state = LockAndCondition()
    private var text = ""

    init(_ work: PackageWorkspace, _ arguments: [String]) throws {
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw CocoaError(.fileWriteUnknown) }
        _ = fcntl(ends[0], F_SETFD, FD_CLOEXEC)
        process.executableURL = URL(fileURLWithPath: PackageWorkspace.nekoctl)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["NEKO_HOME": work.home.path, "NEKO_CACHE_DIR": work.base + "/cache"]) { $1 }
        let writer = FileHandle(fileDescriptor: ends[1], closeOnDealloc: true)
        process.standardOutput = writer
        process.standardError = writer
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? writer.close()
        let reader = ends[0]
        _ = DetachedThread.start { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while true {
                let got = buffer.withUnsafeMutableBytes { read(reader, $0.baseAddress, $0.count) }
                if got < 0 && errno == EINTR { continue }
                let chunk = got > 0 ? String(decoding: buffer[0..<got], as: UTF8.self) : "\u{0}"
                state.locked { text += chunk }
                state.notifyAll()
                if got <= 0 { break }
            }
            close(reader)
        }
        let ready = "nekoctl serve: listening on "
        let done = state.wait(until: .now + .seconds(60)) { text.contains(ready) || text.contains("\u{0}") }
        guard done, output.contains(ready) else {
            Issue.record("nekoctl serve did not start: \(output)")
            throw CocoaError(.fileReadUnknown)
        }
    }

    /// What it printed so far.
    var output: String { state.locked { text } }

    func stop() {
        if process.isRunning { kill(process.processIdentifier, SIGTERM) }
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
