import Foundation
@_spi(Neko) import NekoCore
import Synchronization
import Testing

/// A long-running child (`nekoctl serve`, `nekoctl dev`), killed at the end
/// if still running. Its standard output and error go to one pipe, read as
/// they come: a test waits for the lines it prints and for its exit, never
/// for a guessed delay.
final class ChildProcess {
    let process = Process()
    private let output = ChildOutput()

    /// Starts `executable` with `arguments`, the environment plus `environment`.
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], in directory: String? = nil) throws {
        // A pipe of our own, close-on-exec: no other child inherits its write
        // end (which would keep the end of the output from coming).
        guard let ends = Posix.wakePipe() else { throw ChildFailure(message: "pipe failed: errno \(errno)") }
        let writer = FileHandle(fileDescriptor: ends.write, closeOnDealloc: true)
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = writer
        process.standardError = writer
        process.standardInput = FileHandle.nullDevice
        let output = self.output
        process.terminationHandler = { _ in output.exited() }
        do {
            try process.run()
        } catch {
            close(ends.read)
            throw error
        }
        try? writer.close()  // the child has its copies
        // To the end of the output: when the child and its own children are gone.
        let reader = ends.read
        DetachedThread.start { output.read(reader) }
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// What the child wrote to standard output and error, so far.
    var text: String {
        output.text
    }

    /// Whether the child has exited.
    var hasExited: Bool {
        output.hasExited
    }

    /// Blocks until `condition` holds of the output so far, or the child
    /// exits, or `limit` passes (only a hang runs it out).
    /// - Returns: whether `condition` held.
    func wait(limit: Duration = .seconds(120), until condition: (String) -> Bool) -> Bool {
        _ = output.wait(limit: limit) { condition($0.text) || $0.ended }
        return condition(text)
    }

    /// Waits until the child has printed `text` `times` times in all; else records an issue and throws.
    func waitForOutput(_ text: String, times: Int = 1, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard wait(until: { $0.components(separatedBy: text).count > times }) else {
            Issue.record("timed out waiting for \(process.executableURL?.lastPathComponent ?? "the child") to print \"\(text)\"\(times > 1 ? " \(times) times" : ""): \(self.text)", sourceLocation: sourceLocation)
            throw ChildFailure(message: "never printed \"\(text)\"")
        }
    }

    /// Sends `signal` and waits (bounded) for the exit and the end of the
    /// output (its own children ended too). - Returns: the exit status.
    func stop(with signal: Int32 = SIGTERM) throws -> Int32 {
        kill(process.processIdentifier, signal)
        guard output.wait(limit: .seconds(60), until: { $0.exited && $0.ended }) else {
            Issue.record("timed out waiting for the child to exit after signal \(signal): \(text)")
            throw ChildFailure(message: "the child did not exit")
        }
        return process.terminationStatus
    }
}

/// The output of a child, read on a thread of its own, and whether it exited.
private final class ChildOutput: Sendable {
    struct Seen {
        var text = ""
        /// The output reached its end.
        var ended = false
        /// The process exited.
        var exited = false
    }

    private let seen = Mutex(Seen())
    private let changed = LockAndCondition()

    var text: String {
        seen.withLock { $0.text }
    }

    var hasExited: Bool {
        seen.withLock { $0.exited }
    }

    /// Reads `descriptor` to its end (blocking this thread), then closes it.
    func read(_ descriptor: Int32) {
        defer { close(descriptor) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes += chunk[..<count]
            let text = String(decoding: bytes, as: UTF8.self)
            update { $0.text = text }
        }
        update { $0.ended = true }
    }

    /// The process exited (Process's termination handler).
    func exited() {
        update { $0.exited = true }
    }

    /// Blocks until `condition` holds, or `limit` passes. - Returns: whether it held.
    func wait(limit: Duration, until condition: (Seen) -> Bool) -> Bool {
        changed.wait(until: .now + limit) { condition(seen.withLock { $0 }) }
    }

    private func update(_ change: (inout Seen) -> Void) {
        seen.withLock { change(&$0) }
        changed.notifyAll()
    }
}

/// A child that did not do what a test waited for.
struct ChildFailure: Error, CustomStringConvertible {
    let message: String
    var description: String { message }
}
