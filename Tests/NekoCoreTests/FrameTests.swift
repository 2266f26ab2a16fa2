#if canImport(Glibc)
import Glibc
#endif
import NekoABI
import NekoWire
import Testing

/// The frame protocol between a host and a worker: round trips, and bytes
/// that are not frames, which must be refused without a crash.
@Suite struct FrameTests {
    /// A pair of connected channels.
    func channels() throws -> (FrameChannel, FrameChannel) {
        let pair = try #require(FrameChannel.socketPair())
        return (FrameChannel(descriptor: pair.0), FrameChannel(descriptor: pair.1))
    }

    @Test func messagesRoundTrip() throws {
        let (a, b) = try channels()
        let config = Array(#"{"greeting":{"word":"hi"}}"#.utf8)
        try a.send(CreateMessage(hostName: "test", pluginID: "hello", pluginFolder: "/p/hello", dataFolder: "/d/hello", config: config).frame(id: 7))
        let arguments = Array(#"{"name":"Ada"}"#.utf8)
        try arguments.withUnsafeBytes { try a.send(CallMessage.invokeFrame(id: 8, entryIndex: 3, callID: 99, timeoutMilliseconds: 250, arguments: $0)) }
        try a.send(ReplyMessage.frame(id: 9, status: Int32(NEKO_ERR_INVALID_ARGUMENT), text: "name must be a string"))
        try a.send(SmallFrame.make(.tick, id: 10, value: 2))

        let create = try #require(try b.receive())
        #expect(create.kind == .create && create.id == 7)
        let decoded = try CreateMessage(decoding: create.payload)
        #expect(decoded == CreateMessage(hostName: "test", pluginID: "hello", pluginFolder: "/p/hello", dataFolder: "/d/hello", config: config))
        let invoke = try #require(try b.receive())
        let call = try CallMessage(invoke: invoke.payload)
        #expect(invoke.kind == .invoke && call.entryIndex == 3 && call.callID == 99 && call.timeoutMilliseconds == 250)
        #expect(Array(call.arguments) == arguments)
        let reply = try ReplyMessage(decoding: try #require(try b.receive()).payload)
        #expect(reply.status == Int32(NEKO_ERR_INVALID_ARGUMENT) && reply.text == "name must be a string" && reply.field == nil)
        let tick = try #require(try b.receive())
        #expect(try SmallFrame.value(tick.payload, "tick") == 2)
        #expect(try b.receive(until: .now + .milliseconds(10)) == nil, "nothing more: a deadline, not a hang")
    }

    @Test func anOversizedOrShortOrUnknownFrameIsRefused() throws {
        for (bytes, expected) in [
            ([0x05, 0x00, 0x00, 0x00] + [UInt8](repeating: 0, count: 8), "shorter than a frame header"),
            ([0x00, 0x00, 0x00, 0x05] + [UInt8](repeating: 0, count: 8), "exceeds the limit of 64 MiB"),
            ([0x09, 0x00, 0x00, 0x00, 0xEE] + [UInt8](repeating: 0, count: 8), "unknown frame kind 238"),
        ] as [([UInt8], String)] {
            let (a, b) = try channels()
            try a.send(bytes)
            let error = try #require(throws: WireError.self) { _ = try b.receive() }
            #expect("\(error)".contains(expected), "\(error)")
        }
    }

    @Test func aDescriptorWhoseCountsDisagreeWithItsListsIsRefused() throws {
        var writer = WireWriter(.hello, id: 0)
        writer.append(UInt32(MemoryLayout<neko_plugin>.size))
        writer.append(UInt32(1))
        writer.append(UInt32(0))
        writer.append(UInt8(1))
        for text in ["p", "1.0.0", nil, "c"] as [String?] { writer.append(text) }
        writer.append(UInt32(0))        // functions
        writer.append(UInt32(1000))     // entry_count
        writer.append(UInt32(1))        // but one entry follows
        writer.append(UInt32(MemoryLayout<neko_entry>.size))
        writer.append(UInt32(0))
        for text in ["go", nil, nil, nil] as [String?] { writer.append(text) }
        writer.append(UInt32(0))
        writer.append(UInt32(0))        // timer_count
        writer.append(UInt32(0))
        let frame = writer.finish()
        let error = try #require(throws: WireError.self) {
            try frame.withUnsafeBytes { try DescriptorMessage(decoding: UnsafeRawBufferPointer(rebasing: $0[Frame.headerSize...])) }
        }
        #expect("\(error)".contains("entry_count is 1000 but 1 entries follow"))
    }

    @Test func theEndOfTheStreamIsClosedNotAHang() throws {
        let (a, b) = try channels()
        try a.send([0x20, 0x00, 0x00, 0x00, 64])  // half a frame, then the end
        a.shutdown()
        #expect(throws: WireError.closed) { _ = try b.receive() }
    }

    /// Decodes a payload as every message kind: each must either decode or
    /// throw `WireError`, never read out of bounds.
    func decodeEveryWay(_ payload: UnsafeRawBufferPointer) -> Int {
        var refused = 0
        func attempt(_ body: () throws(WireError) -> Void) { do { try body() } catch { refused += 1 } }
        attempt { () throws(WireError) in _ = try DescriptorMessage(decoding: payload) }
        attempt { () throws(WireError) in _ = try CreateMessage(decoding: payload) }
        attempt { () throws(WireError) in _ = try ReplyMessage(decoding: payload) }
        attempt { () throws(WireError) in _ = try CallMessage(invoke: payload) }
        attempt { () throws(WireError) in _ = try CallMessage(call: payload) }
        attempt { () throws(WireError) in _ = try EmitMessage(decoding: payload) }
        attempt { () throws(WireError) in _ = try LogMessage(decoding: payload) }
        attempt { () throws(WireError) in _ = try RefusedMessage(decoding: payload) }
        attempt { () throws(WireError) in _ = try SmallFrame.value(payload, "fuzz") }
        attempt { () throws(WireError) in _ = try SmallFrame.bytes(payload, "fuzz") }
        return refused
    }

    @Test func randomAndMutatedBytesAreRefusedWithoutACrash() throws {
        var random = SeededGenerator(state: 0x5EED)
        let valid = CreateMessage(hostName: "h", pluginID: "p", pluginFolder: "/p", dataFolder: "/d", config: Array("{}".utf8)).frame(id: 1)
        let deadline = ContinuousClock.now + .seconds(2)
        var rounds = 0, frames = 0, refusedFrames = 0, refusedPayloads = 0
        while ContinuousClock.now < deadline, rounds < 5_000 {
            rounds += 1
            var bytes: [UInt8]
            if rounds % 2 == 0 {
                bytes = random.bytes(Int(random.next() % 512))
            } else {
                // A valid frame with a few bytes changed, or cut short.
                bytes = valid
                for _ in 0..<(1 + random.next() % 4) { bytes[Int(random.next() % UInt64(bytes.count))] = UInt8(truncatingIfNeeded: random.next()) }
                if random.next() % 4 == 0 { bytes = Array(bytes.prefix(Int(random.next() % UInt64(bytes.count)))) }
            }
            refusedPayloads += bytes.withUnsafeBytes { decodeEveryWay($0) }
            let (a, b) = try channels()
            try a.send(bytes)
            a.shutdown()
            while true {
                do {
                    guard let frame = try b.receive(until: .now + .seconds(1)) else { Issue.record("a closed channel hung"); break }
                    frames += 1
                    refusedPayloads += decodeEveryWay(frame.payload)
                } catch {
                    if error != .closed { refusedFrames += 1 }
                    break
                }
            }
        }
        #expect(rounds >= 1_000, "fuzzed \(rounds) rounds")
        #expect(refusedFrames > 0 && refusedPayloads > 0 && frames > 0, "frames \(frames), refused \(refusedFrames) frames and \(refusedPayloads) payloads")
    }
}

extension SeededGenerator {
    /// `count` reproducible random bytes.
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8(truncatingIfNeeded: next()) } }
}
