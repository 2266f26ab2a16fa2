import NekoABI
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import Synchronization
import Testing

/// ABI 1.1 in the SDK, through the instance the C thunks drive: the call's
/// context (from a 1.1 call, and from a 1.0 one without reading past its
/// end), progress reports, the context an outgoing call carries, cancel of an
/// outgoing call, and the hints and result schema of the descriptor.
@Suite struct CallContextTests {
    final class Probe: Plugin {
        static let id = "probe"
        static let entries: [Entry<Probe>] = [
            Entry("context", hints: [.readOnly, .idempotent], Probe.seen),                        // 0
            Entry("context_async", Probe.seenLater),                                             // 1
            Entry("count", Probe.count),                                                         // 2
            Entry("count_sync", Probe.countNow),                                                 // 3
            Entry("relay", Probe.relay),                                                         // 4
            Entry("leak", Probe.leak),                                                           // 5
            Entry("raw", resultSchema: #"{"type":"string"}"#, hints: [.openWorld], raw: { _, _ in Array(#""x""#.utf8) }),  // 6
            Entry("declared", resultSchema: #"{"type":"integer"}"#, Probe.seen),                  // 7
        ]

        /// What an entry saw of its call.
        struct Seen: Codable, Sendable, Equatable {
            var caller: String?
            var depth: Int?
            var callID: UInt64
            /// Whether the call has a deadline, and it lies in the next minute.
            var deadline: Bool
        }

        struct Steps: Codable, Sendable { var steps: Int }

        let context: PluginContext
        /// Opens the task `leak` leaves behind.
        let gate = AsyncStream<Void>.makeStream()

        init(context: PluginContext) throws { self.context = context }

        static func observe() -> Seen {
            let context = CallContext.current
            let deadline = context?.deadline.map { $0 > .now && $0 <= .now + .seconds(60) } ?? false
            return Seen(caller: context?.caller, depth: context?.depth, callID: context?.callID ?? 0, deadline: deadline)
        }

        func seen() -> Seen { Self.observe() }

        func seenLater() async -> Seen {
            await Task.yield()
            return Self.observe()
        }

        func count(_ steps: Steps) async -> Int {
            for step in 1...steps.steps {
                await Task.yield()
                CallContext.current?.progress(done: Double(step), total: Double(steps.steps), message: "step \(step)")
            }
            return steps.steps
        }

        func countNow(_ steps: Steps) -> Int {
            for step in 1...steps.steps { CallContext.current?.progress(done: Double(step)) }
            return steps.steps
        }

        func relay() async throws -> String {
            let bytes = try await context.callRaw("other", "echo", Array(#"{"a":1}"#.utf8), timeout: .seconds(30))
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Leaves a task behind that, once the gate opens (after the call is
        /// answered), reports progress and makes a call with the context it inherited.
        func leak() async -> Bool {
            let (gate, context) = (gate.stream, context)
            Task {
                for await _ in gate { break }
                CallContext.current?.progress(done: 1)
                _ = try? await context.callRaw("other", "late", [])
            }
            return true
        }
    }

    static let minute: UInt64 = 60_000_000_000

    // MARK: - The context

    @Test(arguments: [0, 1]) func aCallsContextIsWhatTheHostSaid(entry: Int) throws {
        let host = try TestHost(id: "probe")
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: entry, id: 42, timeoutMilliseconds: 60_000, deadline: MonotonicClock.now() + Self.minute / 2,
                            caller: "planner", depth: 3)
        instance.invoke(call.pointer)
        let result = try #require(call.result())
        #expect(result.status == Int32(NEKO_OK))
        let seen = try NekoJSONDecoder().decode(Probe.Seen.self, from: Array(result.text.utf8))
        #expect(seen == Probe.Seen(caller: "planner", depth: 3, callID: 42, deadline: true))
        #expect(call.completions.count == 1)
        #expect(CallContext.current == nil)
    }

    @Test(arguments: [0, 1]) func aClientsCallWithoutDeadlineHasNone(entry: Int) throws {
        let host = try TestHost(id: "probe")
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: entry, depth: 1)
        instance.invoke(call.pointer)
        let seen = try NekoJSONDecoder().decode(Probe.Seen.self, from: Array(try #require(call.result()).text.utf8))
        #expect(seen == Probe.Seen(caller: nil, depth: 1, callID: 0, deadline: false))
    }

    @Test(arguments: [0, 1]) func aCallOfABI1_0IsReadNoFurtherThanItsSize(entry: Int) throws {
        let host = try TestHost(id: "probe", layout: .abi1_0)
        let instance = try host.instance(of: Probe.self)
        // The tail holds garbage: deadline_ns 1, caller "intruder", depth 77.
        let timed = TestCall(entry: entry, size: Int(NEKO_CALL_SIZE_1_0), timeoutMilliseconds: 30_000)
        instance.invoke(timed.pointer)
        let seen = try NekoJSONDecoder().decode(Probe.Seen.self, from: Array(try #require(timed.result()).text.utf8))
        #expect(seen == Probe.Seen(caller: nil, depth: nil, callID: 0, deadline: true))  // from timeout_ms

        let untimed = TestCall(entry: entry, size: Int(NEKO_CALL_SIZE_1_0))
        instance.invoke(untimed.pointer)
        let none = try NekoJSONDecoder().decode(Probe.Seen.self, from: Array(try #require(untimed.result()).text.utf8))
        #expect(none == Probe.Seen(caller: nil, depth: nil, callID: 0, deadline: false))
        #expect(host.record.violations.isEmpty)
    }

    @Test func retryReadsTheCallsDeadlineAndASoonerBoundOne() async throws {
        #expect(CallDeadline.current == nil)
        let sooner = ContinuousClock.now + .seconds(1)
        CallDeadline.$bound.withValue(sooner) { #expect(CallDeadline.current == sooner) }
    }

    // MARK: - Progress

    @Test(arguments: [2, 3]) func progressReportsReachTheHost(entry: Int) throws {
        let host = try TestHost(id: "probe")
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: entry, #"{"steps":3}"#, id: 5)
        instance.invoke(call.pointer)
        #expect(call.result()?.status == Int32(NEKO_OK))
        let reports = host.record.progress
        #expect(reports.map(\.call) == Array(repeating: UnsafeRawPointer(call.pointer), count: 3))
        #expect(reports.map(\.report.done) == [1, 2, 3])
        if entry == 2 {
            #expect(reports.map(\.report) == (1...3).map { CallProgress(done: Double($0), total: 3, message: "step \($0)") })
        } else {
            #expect(reports.allSatisfy { $0.report.total == nil && $0.report.message.isEmpty })
        }
    }

    @Test(arguments: [2, 3]) func progressIsANoOpOnAHostOfABI1_0(entry: Int) throws {
        let host = try TestHost(id: "probe", layout: .abi1_0)
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: entry, #"{"steps":3}"#, id: 5, size: Int(NEKO_CALL_SIZE_1_0))
        instance.invoke(call.pointer)
        #expect(call.result()?.text == "3")
        #expect(host.record.progress.isEmpty)
        #expect(host.record.violations.isEmpty)
    }

    @Test func aTaskLeftBehindCannotUseTheCallOnceAnswered() throws {
        let host = try TestHost(id: "probe")
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: 5, id: 9)
        instance.invoke(call.pointer)
        #expect(call.result()?.text == "true")
        instance.plugin.gate.continuation.yield()
        // The task reports progress, then calls: once the call is recorded, both happened.
        let record = host.wait { !$0.calls.isEmpty }
        #expect(record.progress.isEmpty)
        let late = try #require(record.calls.first)
        #expect(late.parent == nil)
        #expect(host.complete(late.call, "null"))
    }

    // MARK: - Outgoing calls

    @Test func anOutgoingCallCarriesItsParentAndTheSoonerDeadline() throws {
        let host = try TestHost(id: "probe")
        let instance = try host.instance(of: Probe.self)
        let served = MonotonicClock.now() + Self.minute / 12  // 5 s: sooner than relay's 30 s
        let call = TestCall(entry: 4, id: 11, timeoutMilliseconds: 5_000, deadline: served)
        instance.invoke(call.pointer)
        let outgoing = try #require(host.wait { !$0.calls.isEmpty }.calls.first)
        #expect(outgoing.plugin == "other" && outgoing.entry == "echo" && outgoing.arguments == #"{"a":1}"#)
        #expect(outgoing.structSize == MemoryLayout<neko_call>.size)
        #expect(outgoing.parent == call.pointer)
        #expect(outgoing.deadline == served)
        #expect((1...5_000).contains(outgoing.timeoutMilliseconds))
        #expect(host.complete(outgoing.call, #""echoed""#))
        #expect(call.result()?.text == #""\"echoed\"""#)
        #expect(call.completions.count == 1)
    }

    @Test func anOutgoingCallWithoutAServedDeadlineTakesItsTimeout() throws {
        let host = try TestHost(id: "probe")
        let instance = try host.instance(of: Probe.self)
        let before = MonotonicClock.now()
        let call = TestCall(entry: 4, id: 12)
        instance.invoke(call.pointer)
        let outgoing = try #require(host.wait { !$0.calls.isEmpty }.calls.first)
        #expect(outgoing.deadline >= before + Self.minute / 2)
        #expect(outgoing.deadline <= MonotonicClock.now() + Self.minute / 2)
        #expect(outgoing.parent == call.pointer)
        #expect(host.complete(outgoing.call, "1"))
        #expect(call.result()?.status == Int32(NEKO_OK))
    }

    @Test(arguments: [true, false]) func cancelingACallerCancelsItsOutgoingCallAndItCompletesOnce(hostCompletesAtOnce: Bool) throws {
        let host = try TestHost(id: "probe", completesOnCancel: hostCompletesAtOnce)
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: 4, id: 13)
        instance.invoke(call.pointer)
        let outgoing = try #require(host.wait { !$0.calls.isEmpty }.calls.first)
        instance.cancel(13)
        #expect(call.result()?.status == Int32(NEKO_ERR_CANCELED))
        #expect(host.wait { !$0.cancels.isEmpty }.cancels == [UnsafeRawPointer(outgoing.call)])
        // Completed by the host's cancel, or now, late, after the caller stopped waiting: once either way.
        #expect(host.complete(outgoing.call, "1") == !hostCompletesAtOnce)
        #expect(call.completions.count == 1)
    }

    @Test func onAHostOfABI1_0CancelStopsTheWaitAndCallsNothingPastTheTable() throws {
        let host = try TestHost(id: "probe", layout: .abi1_0)
        let instance = try host.instance(of: Probe.self)
        let call = TestCall(entry: 4, id: 14, size: Int(NEKO_CALL_SIZE_1_0))
        instance.invoke(call.pointer)
        let outgoing = try #require(host.wait { !$0.calls.isEmpty }.calls.first)
        instance.cancel(14)
        #expect(call.result()?.status == Int32(NEKO_ERR_CANCELED))
        #expect(host.complete(outgoing.call, "1"))  // the late completion still finds the call
        #expect(host.record.violations.isEmpty && host.record.cancels.isEmpty)
        #expect(call.completions.count == 1)
    }

    // MARK: - Hints and result schemas

    @Test func theResultSchemaIsDerivedFromTheResultType() {
        let entries = Probe.entries
        #expect(entries[0].resultSchema == [
            "type": "object",
            "properties": ["caller": ["type": "string"], "depth": ["type": "integer"], "callID": ["type": "integer", "minimum": 0], "deadline": ["type": "boolean"]],
            "required": ["callID", "deadline"],
        ])
        #expect(entries[2].resultSchema == ["type": "integer"])
        #expect(entries[4].resultSchema == ["type": "string"])
        #expect(entries[6].resultSchema == ["type": "string"])    // declared, raw
        #expect(entries[7].resultSchema == ["type": "integer"])   // declared over the derived one
        #expect(JSONSchema.derivedValue(of: [String: Double].self) == ["type": "object", "additionalProperties": ["type": "number"]])
        #expect(JSONSchema.derivedValue(of: [Bool].self) == ["type": "array", "items": ["type": "boolean"]])
        #expect(JSONSchema.derivedValue(of: JSON.self) == [:])
    }

    @Test func aDeclaredResultSchemaThatIsWrongIsAProblem() {
        let entry = Entry<Probe>("broken", resultSchema: #"{"type": }"#, hints: []) { (_: Probe) in { () -> Int in 1 } }
        #expect(entry.problem?.hasPrefix("entry 'broken': the declared result schema is not valid JSON") == true)
        let invalid = Entry<Probe>("invalid", resultSchema: #"{"type": "integr"}"#) { (_: Probe) in { () -> Int in 1 } }
        #expect(invalid.problem?.hasPrefix("entry 'invalid': the result schema is invalid") == true)
    }

    @Test func theDescriptorCarriesHintsAndResultSchemas() throws {
        let descriptor = Exported.build(Probe.self)
        let entries = try DeclaredArray(descriptor.pointee.entries, count: descriptor.pointee.entry_count, kind: "entry")
        #expect(entries.stride == MemoryLayout<neko_entry>.size)
        var hints: [UInt32] = []
        var schemas: [JSON?] = []
        for index in 0..<entries.count {
            let entry = entries[index]
            #expect(entry.has(\.hints))
            #expect(entry.pointee.flags & UInt32(NEKO_ENTRY_VALIDATE_ARGS) == 0)
            hints.append(entry.pointee.hints)
            schemas.append(try entry.field(\.result_schema).map { try JSON.parse(String(cString: $0)) })
        }
        #expect(hints[0] == UInt32(NEKO_HINT_READ_ONLY | NEKO_HINT_IDEMPOTENT))
        #expect(hints[1] == 0)
        #expect(hints[6] == UInt32(NEKO_HINT_OPEN_WORLD))
        #expect(EntryHints(rawValue: hints[0]).names == ["read_only", "idempotent"])
        #expect(schemas[6] == ["type": "string"])
        #expect(schemas == Probe.entries.map(\.resultSchema))
    }
}
