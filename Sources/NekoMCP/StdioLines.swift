#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import Logging
import MCP
@_spi(Neko) import NekoCore
import Synchronization

/// MCP's stdio transport, newline-delimited JSON-RPC on two descriptors,
/// without the SDK's `StdioTransport` polling: that one sets standard input
/// non-blocking and sleeps 10 ms whenever nothing is there, which adds up to
/// 10 ms to each request of an idle session. Here a thread of its own blocks
/// in `read(2)` and hands each line on at once, and writes go out whole,
/// under a lock, from any thread (``sendNow(_:)``): a progress report is
/// written from the plugin's thread as it comes, in order.
public actor StdioLines: Transport {
    /// The SDK's logger for the transport (quiet).
    public nonisolated let logger = Logger(label: "neko.mcp.stdio", factory: { _ in SwiftLogNoOpLogHandler() })
    private let input: Int32
    private let writer: Writer
    private let lines: AsyncThrowingStream<Data, any Error>
    private let continuation: AsyncThrowingStream<Data, any Error>.Continuation
    private var started = false

    /// Writes whole lines to a descriptor, one writer at a time.
    final class Writer: Sendable {
        let descriptor: Int32
        /// False once a write failed (the client has gone).
        let open = Mutex(true)

        init(descriptor: Int32) { self.descriptor = descriptor }

        /// Writes `bytes` and a newline. - Returns: false when the peer has gone.
        @discardableResult
        func write(_ bytes: some Collection<UInt8>) -> Bool {
            var line = Array(bytes)
            line.append(UInt8(ascii: "\n"))
            return open.withLock { open in
                guard open else { return false }
                var done = 0
                while done < line.count {
                    let written = line.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + done, $0.count - done) }
                    if written < 0 && errno == EINTR { continue }
                    guard written > 0 else {
                        open = false
                        return false
                    }
                    done += written
                }
                return true
            }
        }
    }

    /// A transport reading lines from `input` and writing them to `output`.
    public init(input: Int32, output: Int32) {
        self.input = input
        writer = Writer(descriptor: output)
        (lines, continuation) = AsyncThrowingStream.makeStream(of: Data.self)
    }

    /// Starts the reading thread.
    public func connect() async throws {
        guard !started else { return }
        started = true
        let input = self.input
        let continuation = self.continuation
        guard DetachedThread.start({ Self.readLines(input, into: continuation) }) else {
            throw MCPError.internalError("cannot start the thread that reads standard input")
        }
    }

    /// Ends the stream of received lines.
    public func disconnect() async {
        continuation.finish()
    }

    /// Writes one message line.
    public func send(_ data: Data) async throws {
        guard writer.write(data) else { throw MCPError.connectionClosed }
    }

    /// The received lines, one message each.
    public nonisolated func receive() -> AsyncThrowingStream<Data, any Error> {
        lines
    }

    /// Writes one message line now, from any thread, in the order of the calls.
    /// - Returns: false when the client has gone.
    @discardableResult
    public nonisolated func sendNow(_ bytes: [UInt8]) -> Bool {
        writer.write(bytes)
    }

    /// The longest message line read (64 MiB); a longer one is dropped to
    /// its newline and answered as a line that is not JSON (a parse error).
    public static let maximumLineLength = 64 << 20

    private static func readLines(_ input: Int32, into continuation: AsyncThrowingStream<Data, any Error>.Continuation) {
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        var dropping = false
        while true {
            let count = chunk.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            if dropping {
                guard let newline = chunk[0..<count].firstIndex(of: UInt8(ascii: "\n")) else { continue }
                dropping = false
                pending = Array(chunk[(newline + 1)..<count])
                continuation.yield(Data("line longer than \(maximumLineLength) bytes".utf8))
            } else {
                pending.append(contentsOf: chunk[0..<count])
            }
            if pending.count > maximumLineLength && !pending.contains(UInt8(ascii: "\n")) {
                pending.removeAll()
                dropping = true
                continue
            }
            var start = 0
            while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                let line = pending[..<newline]
                if line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\t") }) {
                    continuation.yield(Data(line))
                }
                pending.removeSubrange(...newline)
                start = 0
            }
        }
        continuation.finish()
    }
}
