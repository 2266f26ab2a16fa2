import NekoABI
import NekoCore
import Synchronization

/// A call from this plugin to another plugin's entry, through the host's
/// `call` function, awaited as an async function.
enum OutgoingCall {
    /// Where the outcome goes; kept alive by the call until the host completes
    /// it, even when the waiting task was canceled before.
    private final class Waiter: Sendable {
        private let continuation = Mutex<CheckedContinuation<[UInt8], any Error>?>(nil)

        /// Sets the continuation, unless the call already ended.
        func wait(_ continuation: CheckedContinuation<[UInt8], any Error>, ended: Bool) {
            if ended { return continuation.resume(throwing: CancellationError()) }
            self.continuation.withLock { $0 = continuation }
        }

        /// Resumes the waiting task once; later outcomes go nowhere.
        func resume(_ outcome: Result<[UInt8], any Error>) {
            continuation.withLock { waiting in
                defer { waiting = nil }
                return waiting
            }?.resume(with: outcome)
        }
    }

    static func perform(
        host: HostTable,
        call: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void,
        plugin: String, entry: String, arguments: [UInt8], timeout: Duration?
    ) async throws -> [UInt8] {
        let waiter = Waiter()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                waiter.wait(continuation, ended: Task.isCancelled)
                // Freed by `complete`, the last use the host makes of it; the
                // waiter lives as long, even if this task stops waiting.
                let request = UnsafeMutablePointer<neko_call>.allocate(capacity: 1)
                arguments.withUnsafeBufferPointer { args in
                    request.initialize(to: neko_call(
                        struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: 0, call_id: 0,
                        args: args.baseAddress, args_len: args.count, timeout_ms: timeout.map { max(1, $0.abiMilliseconds) } ?? 0,
                        reserved: 0, context: Unmanaged.passRetained(waiter).toOpaque(), complete: completeOutgoing,
                        deadline_ns: 0, caller: nil, depth: 0, reserved2: 0, parent: nil))
                    plugin.withCString { plugin in
                        entry.withCString { entry in call(host.pointer, plugin, entry, request) }
                    }
                }
            }
        } onCancel: {
            waiter.resume(.failure(CancellationError()))
        }
    }

    /// The `complete` of an outgoing call: resumes the waiting task.
    private static let completeOutgoing: neko_complete_fn = { call, result in
        guard let call, let context = call.pointee.context else { return }
        let waiter = Unmanaged<Waiter>.fromOpaque(context).takeRetainedValue()
        defer { UnsafeMutablePointer(mutating: call).deallocate() }
        guard let result else {
            return waiter.resume(.failure(PluginError(.internal, "the host completed a call without a result")))
        }
        guard result.isAtLeast1_0 else {
            return waiter.resume(.failure(PluginError(.internal, "the host completed a call with \(neko_result.tooShort(result.structSize))")))
        }
        let (data, length) = (result.pointee.data, result.pointee.len)
        guard data != nil || length == 0 else {
            return waiter.resume(.failure(PluginError(.internal, "the host completed a call with data NULL and len \(length)")))
        }
        let bytes = Array(UnsafeRawBufferPointer(start: data, count: length))
        if let code = ErrorCode(status: result.pointee.status) {
            waiter.resume(.failure(PluginError(code, String(decoding: bytes, as: UTF8.self), field: result.pointee.field.map { String(cString: $0) })))
        } else {
            waiter.resume(.success(bytes))
        }
    }
}
