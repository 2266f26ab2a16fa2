import Foundation
import NekoABI
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import Synchronization

/// An incoming call, as a host makes it: a `neko_call` of a 1.1 or 1.0 size,
/// whose completions are counted and kept.
final class TestCall: @unchecked Sendable {  // `call` is written before `invoke`, then read by the plugin
    /// The call, alive as long as this object.
    let call: UnsafeMutablePointer<neko_call>
    /// What each completion said: status and text, in order (exactly one is expected).
    var completions: [(status: Int32, text: String)] { completed.withLock { $0 } }

    private let completed = Mutex<[(status: Int32, text: String)]>([])
    private let changed = LockAndCondition()
    private let strings: [UnsafeMutablePointer<CChar>]
    private let arguments: UnsafeMutableBufferPointer<UInt8>

    /// A call of entry `index` with `arguments` (JSON text).
    ///
    /// - Parameters:
    ///   - size: `struct_size`; with the 1.0 size, the 1.1 fields hold
    ///     garbage that a reader must not see.
    ///   - timeoutMilliseconds: `timeout_ms`; `deadline`: `deadline_ns`.
    init(entry index: Int, _ arguments: String = "{}", id: UInt64 = 0, size: Int = MemoryLayout<neko_call>.size,
         timeoutMilliseconds: UInt32 = 0, deadline: UInt64 = 0, caller: String? = nil, depth: UInt32 = 1) {
        call = .allocate(capacity: 1)
        self.arguments = .allocate(capacity: max(arguments.utf8.count, 1))
        _ = self.arguments.initialize(from: arguments.utf8)
        let intruder = strdup("intruder")!
        let callerCopy = caller.map { strdup($0)! }
        strings = [intruder] + (callerCopy.map { [$0] } ?? [])
        let tail = size < MemoryLayout<neko_call>.size
        call.initialize(to: neko_call(
            struct_size: UInt32(size), entry_index: UInt32(index), call_id: id,
            args: UnsafePointer(self.arguments.baseAddress), args_len: arguments.utf8.count,
            timeout_ms: timeoutMilliseconds, reserved: 0, context: nil, complete: { call, result in
                guard let call, let result else { return }
                let me = Unmanaged<TestCall>.fromOpaque(call.pointee.context!).takeUnretainedValue()
                let text = String(decoding: UnsafeRawBufferPointer(start: result.pointee.data, count: result.pointee.len), as: UTF8.self)
                me.completed.withLock { $0.append((result.pointee.status, text)) }
                me.changed.notifyAll()
            },
            // Beyond a 1.0 call's end: garbage a reader must never take for data.
            deadline_ns: tail ? 1 : deadline, caller: tail ? UnsafePointer(intruder) : callerCopy.map { UnsafePointer($0) },
            depth: tail ? 77 : depth, reserved2: 0, parent: nil))
        call.pointee.context = Unmanaged.passUnretained(self).toOpaque()
    }

    deinit {
        strings.forEach { free($0) }
        arguments.deallocate()
        call.deallocate()
    }

    /// The call as `invoke` takes it.
    var pointer: UnsafePointer<neko_call> { UnsafePointer(call) }

    /// Waits for the first completion (10 s at most: a bound for a broken
    /// test, not a synchronization) and returns it; nil if none came.
    func result() -> (status: Int32, text: String)? {
        _ = changed.wait(until: .now + .seconds(10)) { !completions.isEmpty }
        return completions.first
    }
}
