import NekoABI
import NekoCore

/// A call from this plugin to another plugin's entry, through the host's
/// `call` function, awaited as an async function.
enum OutgoingCall {
    /// Where the completion puts the outcome; kept alive by the call until it completes.
    private final class Waiter: @unchecked Sendable {
        // Resumed exactly once, by `complete`; never touched elsewhere.
        let continuation: CheckedContinuation<[UInt8], any Error>
        init(_ continuation: CheckedContinuation<[UInt8], any Error>) { self.continuation = continuation }
    }

    static func perform(
        host: HostTable,
        call: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void,
        plugin: String, entry: String, arguments: [UInt8]
    ) async throws -> [UInt8] {
        try await withCheckedThrowingContinuation { continuation in
            let waiter = Unmanaged.passRetained(Waiter(continuation))
            // Freed by `complete`, the last use the host makes of it.
            let request = UnsafeMutablePointer<neko_call>.allocate(capacity: 1)
            arguments.withUnsafeBufferPointer { args in
                request.initialize(to: neko_call(
                    struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: 0, call_id: 0,
                    args: args.baseAddress, args_len: args.count, timeout_ms: 0, reserved: 0,
                    context: waiter.toOpaque(), complete: completeOutgoing))
                plugin.withCString { plugin in
                    entry.withCString { entry in call(host.pointer, plugin, entry, request) }
                }
            }
        }
    }

    /// The `complete` of an outgoing call: resumes the waiting task.
    private static let completeOutgoing: neko_complete_fn = { call, result in
        guard let call, let context = call.pointee.context else { return }
        let waiter = Unmanaged<Waiter>.fromOpaque(context).takeRetainedValue()
        defer { UnsafeMutablePointer(mutating: call).deallocate() }
        guard let result else {
            return waiter.continuation.resume(throwing: PluginError(.internal, "the host completed a call without a result"))
        }
        let outcome = result.pointee
        guard outcome.data != nil || outcome.len == 0 else {
            return waiter.continuation.resume(throwing: PluginError(.internal, "the host completed a call with data NULL and len \(outcome.len)"))
        }
        let bytes = Array(UnsafeRawBufferPointer(start: outcome.data, count: outcome.len))
        if let code = ErrorCode(status: outcome.status) {
            waiter.continuation.resume(throwing: PluginError(
                code, String(decoding: bytes, as: UTF8.self), field: outcome.field.map { String(cString: $0) }))
        } else {
            waiter.continuation.resume(returning: bytes)
        }
    }
}
