import NekoABI
import NekoCore

/// The one way an entry's outcome reaches the host: completes a `neko_call`
/// exactly once, with a JSON result or an error as data.
///
/// `@unchecked Sendable`: the host keeps the call alive and unchanged until
/// `complete` runs, and `complete` may run on any thread (neko_abi.h).
@usableFromInline struct CallCompletion: @unchecked Sendable {
    let call: UnsafePointer<neko_call>
    /// The instance's task table; the instance outlives its calls (the host
    /// drains calls before `destroy`), so no reference count is paid per call.
    unowned(unsafe) let tasks: CallTasks
    /// An async call's scope, ended before `complete` runs; nil for a sync call.
    let scope: CallScope?
    /// The host table, for an async call's context.
    let host: HostTable

    init(call: UnsafePointer<neko_call>, tasks: CallTasks, host: HostTable, scope: CallScope? = nil) {
        self.call = call
        self.tasks = tasks
        self.host = host
        self.scope = scope
    }

    /// The same call, with a scope for its context: an async call, whose
    /// context may be used from other threads until it is completed.
    /// - Returns: the completion to use, and the call's context.
    @usableFromInline func scoped() -> (CallCompletion, CallContext) {
        let scope = CallScope(call: call, host: host)
        let context = CallContext(call: call, deadline: CallContext.deadline(of: call), link: .scoped(scope))
        return (CallCompletion(call: call, tasks: tasks, host: host, scope: scope), context)
    }

    /// Completes with `value` encoded as JSON.
    @usableFromInline func succeed<Result: Encodable>(_ value: Result) {
        let bytes: [UInt8]
        do {
            bytes = try NekoJSONEncoder().encode(value)
        } catch {
            return fail(CallError(.executionFailed, "cannot encode the result as JSON: \(error)"))
        }
        succeedRaw(bytes)
    }

    /// Completes with JSON bytes (empty: `null`).
    @usableFromInline func succeedRaw(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { finish(Int32(NEKO_OK), $0, field: nil) }
    }

    /// Completes with an error: a `CallError` keeps its code, a `RetryError`
    /// the code of its last failure, a `CancellationError` becomes
    /// `canceled`, anything else `execution_failed`.
    @usableFromInline func fail(_ error: any Error) {
        let code: ErrorCode
        let message: String
        var field: String?
        switch error {
        case let error as CallError:
            (code, message, field) = (error.code, error.message, error.field)
        case let error as RetryError:
            // The code of the last failure, the message of the whole attempt.
            code = (error.lastError as? CallError)?.code ?? .executionFailed
            message = error.description
        case is CancellationError:
            (code, message) = (.canceled, "the call was canceled")
        default:
            (code, message) = (.executionFailed, String(describing: error))
        }
        var text = message
        text.withUTF8 { bytes in
            if let field {
                field.withCString { finish(code.rawValue, UnsafeRawBufferPointer(bytes), field: $0) }
            } else {
                finish(code.rawValue, UnsafeRawBufferPointer(bytes), field: nil)
            }
        }
    }

    /// Runs `body` as a task that `cancel` of this call can cancel.
    @usableFromInline func runTask(_ body: sending @escaping () async -> Void) {
        tasks.start(call.pointee.call_id, body)
    }

    private func finish(_ status: Int32, _ data: UnsafeRawBufferPointer, field: UnsafePointer<CChar>?) {
        // No context may use the call once the host has it back.
        scope?.end()
        var result = neko_result(
            struct_size: UInt32(MemoryLayout<neko_result>.size), status: status,
            data: data.baseAddress?.assumingMemoryBound(to: UInt8.self), len: data.count, field: field)
        call.pointee.complete(call, &result)
    }
}
