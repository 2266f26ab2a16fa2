#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
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

    /// The payload of a whole frame (as a writer made it).
    func payload<T>(of frame: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try frame.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[Frame.headerSize...])) }
    }

    @Test func anInvokeCarriesTheCallsContext() throws {
        let (a, b) = try channels()
        let arguments = Array(#"{"q":1}"#.utf8)
        try arguments.withUnsafeBytes { args in
            try "planner".withCString { caller in
                try a.send(CallMessage.invokeFrame(
                    id: 5, entryIndex: 2, callID: 77, timeoutMilliseconds: 1500, deadline: 81_234_567_890_123, depth: 3,
                    flags: .progress, caller: caller, arguments: args))
            }
            try a.send(CallMessage.invokeFrame(id: 6, entryIndex: 0, callID: 0, timeoutMilliseconds: 0, arguments: args))
        }
        let first = try #require(try b.receive())
        let call = try CallMessage(invoke: first.payload)
        #expect(first.kind == .invoke && first.id == 5)
        #expect(call.entryIndex == 2 && call.callID == 77 && call.timeoutMilliseconds == 1500)
        #expect(call.deadline == 81_234_567_890_123 && call.depth == 3 && call.flags == .progress)
        #expect(call.caller.map { String(decoding: $0, as: UTF8.self) } == "planner")
        #expect(Array(call.arguments) == arguments)
        // A client's call: no caller, depth 1, no deadline, nobody listening.
        let second = try CallMessage(invoke: try #require(try b.receive()).payload)
        #expect(second.caller == nil && second.depth == 1 && second.deadline == 0 && second.flags.isEmpty)
    }

    @Test func anInvokeOfAHostCallReadsItsContext() throws {
        let arguments = Array(#"{"q":1}"#.utf8)
        try arguments.withUnsafeBufferPointer { args in
            try "planner".withCString { caller in
                var call = neko_call()
                call.struct_size = UInt32(MemoryLayout<neko_call>.size)
                call.entry_index = 4
                call.call_id = 9
                call.args = args.baseAddress
                call.args_len = args.count
                call.timeout_ms = 20
                call.deadline_ns = 42
                call.caller = caller
                call.depth = 7
                let frame = withUnsafePointer(to: &call) { CallMessage.invokeFrame(id: 1, call: $0, flags: []) }
                let decoded = try payload(of: frame) { try CallMessage(invoke: $0) }
                #expect(decoded.entryIndex == 4 && decoded.callID == 9 && decoded.timeoutMilliseconds == 20)
                #expect(decoded.deadline == 42 && decoded.depth == 7 && decoded.caller.map { String(decoding: $0, as: UTF8.self) } == "planner")
                #expect(Array(decoded.arguments) == arguments)
                // A 1.0-sized call has no context: none is read beyond its struct_size.
                call.struct_size = UInt32(NEKO_CALL_SIZE_1_0)
                let old = withUnsafePointer(to: &call) { CallMessage.invokeFrame(id: 1, call: $0, flags: []) }
                let short = try payload(of: old) { try CallMessage(invoke: $0) }
                #expect(short.deadline == 0 && short.depth == 1 && short.caller == nil && short.timeoutMilliseconds == 20)
            }
        }
    }

    @Test func aPluginsCallNamesItsParentAndDeadline() throws {
        let arguments = Array(#"{"x":true}"#.utf8)
        let frame = arguments.withUnsafeBytes { args in
            CallMessage.callFrame(id: 3, plugin: "search", entry: "query", timeoutMilliseconds: 100, deadline: 99, parentRequest: 12, arguments: args)
        }
        let decoded = try payload(of: frame) { try CallMessage(call: $0) }
        #expect(decoded.plugin == "search" && decoded.entry == "query" && decoded.timeoutMilliseconds == 100)
        #expect(decoded.deadline == 99 && decoded.parentRequest == 12 && Array(decoded.arguments) == arguments)
        let none = arguments.withUnsafeBytes { CallMessage.callFrame(id: 4, plugin: "p", entry: "e", timeoutMilliseconds: 0, arguments: $0) }
        let plain = try payload(of: none) { try CallMessage(call: $0) }
        #expect(plain.deadline == 0 && plain.parentRequest == 0)
    }

    @Test func progressAndCancelCallFramesRoundTrip() throws {
        let (a, b) = try channels()
        var text = "3 of 10 pages"
        try text.withUTF8 { try a.send(ProgressMessage.frame(request: 41, done: 3, total: 10, message: UnsafeRawBufferPointer($0))) }
        try a.send(ProgressMessage.frame(request: 42, done: .nan, total: 0, message: UnsafeRawBufferPointer(start: nil, count: 0)))
        try a.send(SmallFrame.make(.cancelCall, id: 43))
        let first = try #require(try b.receive())
        #expect(first.kind == .progress && first.id == 41)
        let report = try ProgressMessage(decoding: first.payload)
        #expect(report.done == 3 && report.total == 10 && String(decoding: report.message, as: UTF8.self) == "3 of 10 pages")
        #expect(report.report == CallProgress(done: 3, total: 10, message: "3 of 10 pages"))
        // Not a number: 0 done; a total of 0: unknown.
        let second = try #require(try b.receive())
        let nothing = try ProgressMessage(decoding: second.payload).report
        #expect(second.id == 42 && nothing == CallProgress(done: 0, total: nil, message: ""))
        let cancel = try #require(try b.receive())
        #expect(cancel.kind == .cancelCall && cancel.id == 43 && cancel.payload.isEmpty)
        // A long message is cut to the limit; bytes that are not UTF-8 are replaced, not refused.
        let long = [UInt8](repeating: 0x61, count: ProgressMessage.maximumMessage + 10)
        let cut = try long.withUnsafeBytes { bytes in
            try payload(of: ProgressMessage.frame(request: 1, done: 1, total: -1, message: bytes)) { try ProgressMessage(decoding: $0).report }
        }
        #expect(cut.message.utf8.count == ProgressMessage.maximumMessage && cut.total == nil)
        let invalid: [UInt8] = [0x6F, 0x6B, 0xFF]
        let replaced = try invalid.withUnsafeBytes { bytes in
            try payload(of: ProgressMessage.frame(request: 1, done: 1, total: 2, message: bytes)) { try ProgressMessage(decoding: $0).report }
        }
        #expect(replaced.message == "ok\u{FFFD}")
    }

    @Test func badContextFramesAreRefused() throws {
        func refusal(_ frame: [UInt8], _ decode: (UnsafeRawBufferPointer) throws -> Void) -> String {
            payload(of: frame) { bytes in
                do { try decode(bytes) } catch { return "\(error)" }
                return "accepted"
            }
        }
        // An invoke whose caller holds a NUL byte (it becomes a C string).
        var writer = WireWriter(.invoke, id: 1)
        writer.append(UInt32(0)); writer.append(UInt64(0)); writer.append(UInt32(0))
        writer.append(UInt64(0)); writer.append(UInt32(1)); writer.append(UInt32(0))
        writer.append(bytes: [0x61, 0x00, 0x62])
        writer.append(bytes: [UInt8]())
        #expect(refusal(writer.finish()) { _ = try CallMessage(invoke: $0) }.contains("invoke.caller: contains a NUL byte"))
        // An invoke of the 1.0 layout (no context): cut short.
        var old = WireWriter(.invoke, id: 1)
        old.append(UInt32(0)); old.append(UInt64(0)); old.append(UInt32(0)); old.append(bytes: Array("{}".utf8))
        #expect(refusal(old.finish()) { _ = try CallMessage(invoke: $0) }.contains("malformed frame: invoke."))
        // A call of the 1.0 layout (no deadline, no parent).
        var call = WireWriter(.call, id: 1)
        call.append("p" as String?); call.append("e" as String?); call.append(UInt32(0)); call.append(bytes: Array("{}".utf8))
        #expect(refusal(call.finish()) { _ = try CallMessage(call: $0) }.contains("malformed frame: call."))
        // A progress report cut short, with trailing bytes, or with a message over the limit.
        var short = WireWriter(.progress, id: 1)
        short.append(UInt64(0))
        #expect(refusal(short.finish()) { _ = try ProgressMessage(decoding: $0) }.contains("progress.total"))
        var trailing = WireWriter(.progress, id: 1)
        trailing.append(UInt64(0)); trailing.append(UInt64(0)); trailing.append(bytes: [UInt8]()); trailing.append(UInt8(1))
        #expect(refusal(trailing.finish()) { _ = try ProgressMessage(decoding: $0) }.contains("progress: 1 unexpected trailing bytes"))
        var long = WireWriter(.progress, id: 1)
        long.append(UInt64(0)); long.append(UInt64(0)); long.append(bytes: [UInt8](repeating: 0x61, count: ProgressMessage.maximumMessage + 1))
        #expect(refusal(long.finish()) { _ = try ProgressMessage(decoding: $0) }.contains("more than 4096"))
    }

    @Test func helloCarriesResultSchemaAndHints() throws {
        var writer = WireWriter(.hello, id: 0)
        writer.append(UInt32(MemoryLayout<neko_plugin>.size))
        writer.append(UInt32(NEKO_ABI_VERSION_MAJOR))
        writer.append(UInt32(NEKO_ABI_VERSION_MINOR))
        writer.append(UInt8(1))
        for text in ["ctx", "1.0.0", nil, "c"] as [String?] { writer.append(text) }
        writer.append(DescriptorMessage.Functions([.create, .invoke]).rawValue)
        writer.append(UInt32(2))        // entry_count
        writer.append(UInt32(2))
        // A 1.1 entry with a result schema and hints, and a 1.0 entry without.
        writer.append(UInt32(NEKO_ENTRY_SIZE_1_1))
        writer.append(UInt32(NEKO_ENTRY_VALIDATE_ARGS))
        for text in ["whoami", nil, "Answers.", #"{"type":"object"}"#] as [String?] { writer.append(text) }
        writer.append(UInt32(250))
        writer.append(#"{"type":"object","properties":{"depth":{"type":"integer"}}}"# as String?)
        writer.append(UInt32(NEKO_HINT_READ_ONLY | NEKO_HINT_IDEMPOTENT))
        writer.append(UInt32(NEKO_ENTRY_SIZE_1_0))
        writer.append(UInt32(0))
        for text in ["old", nil, nil, nil] as [String?] { writer.append(text) }
        writer.append(UInt32(0))
        writer.append(nil as String?)
        writer.append(UInt32(0))
        writer.append(UInt32(0))        // timer_count
        writer.append(UInt32(0))
        let frame = writer.finish()
        let hello = try payload(of: frame) { try DescriptorMessage(decoding: $0) }
        #expect(hello.entries.count == 2)
        #expect(hello.entries[0].resultSchema == #"{"type":"object","properties":{"depth":{"type":"integer"}}}"#)
        #expect(hello.entries[0].hints == UInt32(NEKO_HINT_READ_ONLY | NEKO_HINT_IDEMPOTENT))
        #expect(hello.entries[0].timeoutMilliseconds == 250 && hello.entries[0].flags == UInt32(NEKO_ENTRY_VALIDATE_ARGS))
        #expect(hello.entries[1].resultSchema == nil && hello.entries[1].hints == 0)
        // Encoding what was decoded gives the same bytes: a round trip.
        #expect(hello.frame() == frame)
        // Cut before the hints: refused.
        let cut = Array(frame.prefix(frame.count - 20))
        let error = try #require(throws: WireError.self) { try payload(of: cut) { try DescriptorMessage(decoding: $0) } }
        #expect("\(error)".contains("malformed frame"))
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
        attempt { () throws(WireError) in _ = try ProgressMessage(decoding: payload) }
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
