#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// One call the harness makes into the plugin: a `neko_call` filled in as a
/// host fills it in (id, arguments, deadline, caller, depth), kept alive and
/// unchanged until the plugin completes it, and its outcome.
final class HarnessCall: @unchecked Sendable {  // `call` is written before `invoke`, then only read
    /// What the completion said.
    struct Outcome: Sendable {
        var status: Int32
        var bytes: [UInt8]
        var field: String?
    }

    private struct State {
        var outcome: Outcome?
        var continuation: CheckedContinuation<Outcome, Never>?
        var completions = 0
    }

    let call: UnsafeMutablePointer<neko_call>
    private let arguments: UnsafeMutableBufferPointer<UInt8>
    private let caller: UnsafeMutablePointer<CChar>?
    private let state = Mutex(State())

    /// Told of a second completion (a broken promise of the ABI).
    private let onViolation: @Sendable (String) -> Void

    init(entry index: Int, id: UInt64, arguments: [UInt8], deadline: UInt64, timeoutMilliseconds: UInt32,
         caller: String?, depth: UInt32, onViolation: @escaping @Sendable (String) -> Void) {
        self.onViolation = onViolation
        self.arguments = .allocate(capacity: max(arguments.count, 1))
        _ = self.arguments.initialize(from: arguments)
        self.caller = caller.map { strdup($0)! }
        call = .allocate(capacity: 1)
        call.initialize(to: neko_call(
            struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: UInt32(index), call_id: id,
            args: UnsafePointer(self.arguments.baseAddress), args_len: arguments.count,
            timeout_ms: timeoutMilliseconds, reserved: 0, context: nil, complete: HarnessCall.complete,
            deadline_ns: deadline, caller: self.caller.map { UnsafePointer($0) }, depth: depth, reserved2: 0, parent: nil))
        call.pointee.context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        free(caller)
        arguments.deallocate()
        call.deinitialize(count: 1)
        call.deallocate()
    }

    /// Runs `invoke` with the call, and waits for its completion.
    func run(_ invoke: (UnsafePointer<neko_call>) -> Void) async -> Outcome {
        await withCheckedContinuation { continuation in
            state.withLock { $0.continuation = continuation }
            invoke(UnsafePointer(call))
        }
    }

    private static let complete: @convention(c) (UnsafePointer<neko_call>?, UnsafePointer<neko_result>?) -> Void = { call, result in
        guard let call, let context = call.pointee.context else { return }
        let me = Unmanaged<HarnessCall>.fromOpaque(context).takeUnretainedValue()
        let outcome: Outcome
        if let result, result.isAtLeast1_0 {
            outcome = Outcome(
                status: result.pointee.status,
                bytes: Array(UnsafeRawBufferPointer(start: result.pointee.data, count: result.pointee.len)),
                field: result.pointee.field.map { String(cString: $0) })
        } else {
            outcome = Outcome(status: Int32(NEKO_ERR_INTERNAL), bytes: Array("the plugin completed the call without a valid neko_result".utf8))
        }
        let (continuation, again) = me.state.withLock { state in
            state.completions += 1
            guard state.completions == 1 else { return (nil as CheckedContinuation<Outcome, Never>?, true) }
            state.outcome = outcome
            defer { state.continuation = nil }
            return (state.continuation, false)
        }
        if again { me.onViolation("call \(call.pointee.call_id) was completed more than once") }
        continuation?.resume(returning: outcome)
    }
}
