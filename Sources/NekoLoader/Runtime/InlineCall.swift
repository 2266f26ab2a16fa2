#if canImport(Glibc)
import Glibc
#endif
import NekoABI
import NekoCore

/// The fast path of a call to a sync entry: the `neko_call` and the place its
/// outcome goes both live on the caller's stack; no allocation, no lock, no
/// generic code.
///
/// A sync entry completes before `invoke` returns, on the calling thread.
/// A plugin that breaks that promise (completes later, or from another
/// thread) is still handled safely: the caller waits for the completion
/// under a lock before its stack frame goes away.
enum InlineCall {
    /// Where a completion puts the outcome. Bytes that fit in `inline` stay
    /// on the stack; larger ones go to a heap buffer the caller frees.
    struct Outcome {
        var status: neko_status = ErrorCode.internal.rawValue
        var count = 0
        var heap: UnsafeMutableRawPointer?
        var field: String?
        var inline: (UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0, 0, 0, 0, 0)

        /// Calls `body` with the outcome's bytes.
        mutating func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
            if let heap { return body(UnsafeRawBufferPointer(start: heap, count: count)) }
            let count = self.count
            return withUnsafeBytes(of: &inline) { body(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }

        private mutating func storeBroken(_ message: String) {
            status = ErrorCode.internal.rawValue
            let text = Array(message.utf8.prefix(MemoryLayout.size(ofValue: inline)))
            count = text.count
            withUnsafeMutableBytes(of: &inline) { $0.copyBytes(from: text) }
        }

        /// Frees the heap buffer, if any.
        mutating func release() {
            heap?.deallocate()
            heap = nil
        }

        fileprivate mutating func store(_ result: UnsafePointer<neko_result>?) {
            guard let result else { return }
            guard result.isAtLeast1_0 else {
                storeBroken("the plugin completed with \(neko_result.tooShort(result.structSize))")
                return
            }
            guard result.pointee.data != nil || result.pointee.len == 0 else {
                storeBroken("the plugin completed with data NULL and len \(result.pointee.len)")
                return
            }
            status = result.pointee.status
            let bytes = UnsafeRawBufferPointer(start: result.pointee.data, count: result.pointee.len)
            count = bytes.count
            if status != Int32(NEKO_OK), let name = result.pointee.field { field = String(cString: name) }
            if count <= MemoryLayout.size(ofValue: inline) {
                withUnsafeMutableBytes(of: &inline) { $0.copyMemory(from: bytes) }
            } else {
                let copy = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 1)
                copy.copyMemory(from: bytes.baseAddress!, byteCount: count)
                heap = copy
            }
        }
    }

    private struct Slot {
        var thread: pthread_t
        var inInvoke = true
        var completedInline = false
        var completedLate = false  // guarded by Late's lock
        var outcome: UnsafeMutablePointer<Outcome>
    }

    /// Calls `entryIndex` of `instance`; the outcome is in `outcome` when
    /// this returns (the caller releases it).
    static func run(
        _ descriptor: UnsafePointer<neko_plugin>, _ instance: UnsafeMutableRawPointer, entryIndex: UInt32,
        callID: UInt64, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32, into outcome: inout Outcome
    ) {
        withUnsafeMutablePointer(to: &outcome) { outcome in
        var slot = Slot(thread: pthread_self(), outcome: outcome)
        withUnsafeMutablePointer(to: &slot) { slot in
            var call = neko_call(
                struct_size: UInt32(MemoryLayout<neko_call>.size), entry_index: entryIndex, call_id: callID,
                args: arguments.baseAddress?.assumingMemoryBound(to: UInt8.self), args_len: arguments.count,
                timeout_ms: timeoutMilliseconds, reserved: 0, context: UnsafeMutableRawPointer(slot),
                complete: completeInline)
            descriptor.pointee.invoke(instance, &call)
            slot.pointee.inInvoke = false
            if !slot.pointee.completedInline {
                Late.waitUntil { slot.pointee.completedLate }
            }
        }
        }
    }

    private static let completeInline: neko_complete_fn = { call, result in
        guard let call, let context = call.pointee.context else { return }
        let slot = context.assumingMemoryBound(to: Slot.self)
        // Only the invoking thread, inside invoke, may touch the slot without the lock.
        if pthread_equal(slot.pointee.thread, pthread_self()) != 0 && slot.pointee.inInvoke {
            slot.pointee.outcome.pointee.store(result)
            slot.pointee.completedInline = true
        } else {
            Late.deliver {
                slot.pointee.outcome.pointee.store(result)
                slot.pointee.completedLate = true
            }
        }
    }

    /// The lock and condition for completions that arrive from another thread.
    private enum Late {
        private static let shared = LockAndCondition()

        static func deliver(_ body: () -> Void) {
            shared.locked { body(); shared.broadcast() }
        }

        static func waitUntil(_ done: () -> Bool) {
            shared.locked { while !done() { shared.wait() } }
        }
    }
}
