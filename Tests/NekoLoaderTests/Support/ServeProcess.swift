import Foundation
@_spi(Neko) import NekoCore
import Testing

/// A `nekoctl serve` child over a workspace, killed at the end if still
/// running: the tests wait for the lines it prints (ready, a watcher's
/// action, a log line) and for its exit.
final class ServeProcess {
    let workspace: Workspace
    let base: String
    let socket: String
    let child: ChildProcess

    /// Starts `nekoctl serve` over `workspace` (by default a new one with
    /// cgreet and hello) with `extra` arguments, and waits until it listens.
    init(workspace: Workspace? = nil, socket: String? = nil, extra: [String] = [], environment: [String: String] = [:]) throws {
        if let workspace {
            self.workspace = workspace
        } else {
            self.workspace = try Workspace()
            try self.workspace.install("cgreet")
            try self.workspace.install("hello")
        }
        base = (self.workspace.root as NSString).deletingLastPathComponent
        self.socket = socket ?? "\(base)/run/nekoctl.sock"
        child = try ChildProcess(
            Workspace.nekoctl, ["serve", "--dir", self.workspace.root, "--socket", self.socket] + extra,
            environment: ["NEKO_CACHE_DIR": self.workspace.cache].merging(environment) { $1 })
        // Printed once the socket listens (and the watcher runs); or the server exited.
        let ready = "nekoctl serve: listening on "
        guard child.wait(until: { $0.contains(ready) }) else {
            Issue.record("nekoctl serve did not print \"\(ready)\" (exited: \(child.hasExited)): \(logText)")
            throw ChildFailure(message: "nekoctl serve did not start")
        }
    }

    /// The child process.
    var process: Process {
        child.process
    }

    /// What the server wrote to standard error and output, so far.
    var logText: String {
        child.text
    }

    /// Waits until the server has printed `text` (bounded: only a hang runs out).
    func waitForOutput(_ text: String, times: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) throws {
        try child.waitForOutput(text, times: times, sourceLocation: sourceLocation)
    }

    /// Runs nekoctl (not the server) with the workspace's cache.
    func nekoctl(_ arguments: String..., environment: [String: String] = [:]) throws -> Shell.Output {
        try Shell.run(Workspace.nekoctl, arguments, environment: ["NEKO_CACHE_DIR": workspace.cache].merging(environment) { $1 })
    }

    /// Sends SIGTERM and waits (bounded) for the exit and the end of its
    /// output (its workers have ended too). - Returns: the exit status.
    func terminate() throws -> Int32 {
        try child.stop(with: SIGTERM)
    }
}
