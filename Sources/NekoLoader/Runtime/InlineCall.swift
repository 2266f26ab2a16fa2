#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// The fast path of a call to a sync entry: no allocation and no lock per
/// call. The `neko_call` and the place its outcome goes live in a slot of
/// the calling thread's own ring (`CallSlot`s that are never freed).
///
/// A sync entry completes before `invoke` returns, on the calling thread.
/// A plugin that breaks that promise is handled safely: a completion that
/// comes later, from any thread, is waited for until the call's deadline
/// (then the call ends with `timeout` and the late completion is ignored);
/// a second completion is ignored and reported to the plugin's
/// `ContractLedger`. Neither writes to memory the caller has moved on from.
enum InlineCall {
    /// Where a completion puts the outcome: one per slot, made with it.
    /// Bytes that fit in `inline` are copied there; larger ones go to a heap
    /// buffer, freed when the slot is recycled.
    final class Outcome: @unchecked Sendable {  // written by the winning completion, then read by the caller
        // Unchecked exclusivity: the winning completion writes, then the caller reads (ordered by the slot's phase).
        @exclusivity(unchecked) private(set) var status: neko_status = ErrorCode.internal.rawValue
        @exclusivity(unchecked) private(set) var field: String?
        @exclusivity(unchecked) private var count = 0
        @exclusivity(unchecked) private var heap: UnsafeMutableRawPointer?
        private let inline = UnsafeMutableRawPointer.allocate(byteCount: Outcome.inlineCapacity, alignment: 16)
        private static let inlineCapacity = 64

        /// The outcome of an inline slot (its address is the slot's `word`).
        @inline(__always)
        static func of(_ slot: CallSlot) -> Unmanaged<Outcome> {
            Unmanaged<Outcome>.fromOpaque(UnsafeRawPointer(bitPattern: UInt(slot.word)).unsafelyUnwrapped)
        }

        /// Calls `body` with the outcome's bytes.
        func withBytes<T>(_ body: (UnsafeRawBufferPointer) -> T) -> T {
            body(UnsafeRawBufferPointer(start: heap ?? inline, count: count))
        }

        /// Frees the heap buffer, if any, and forgets the outcome.
        fileprivate func reset() {
            heap?.deallocate()
            heap = nil
            field = nil
            count = 0
            status = ErrorCode.internal.rawValue
        }

        private func storeBroken(_ message: String) {
            status = ErrorCode.internal.rawValue
            let text = Array(message.utf8.prefix(Self.inlineCapacity))
            count = text.count
            inline.copyMemory(from: text, byteCount: text.count)
        }

        fileprivate func store(_ result: UnsafePointer<neko_result>?) {
            guard let result else { return storeBroken("the plugin completed a call without a result") }
            guard result.isAtLeast1_0 else { return storeBroken("the plugin completed with \(neko_result.tooShort(result.structSize))") }
            guard result.pointee.data != nil || result.pointee.len == 0 else {
                return storeBroken("the plugin completed with data NULL and len \(result.pointee.len)")
            }
            status = result.pointee.status
            count = result.pointee.len
            if status != Int32(NEKO_OK), let name = result.pointee.field { field = String(cString: name) }
            guard count > 0 else { return }
            if count <= Self.inlineCapacity {
                inline.copyMemory(from: result.pointee.data, byteCount: count)
            } else {
                let copy = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 1)
                copy.copyMemory(from: result.pointee.data, byteCount: count)
                heap = copy
            }
        }
    }

    /// Calls `entryIndex` of `instance` and hands `body` the outcome, or nil
    /// when the plugin returned from `invoke` without completing and the
    /// deadline (`timeoutMilliseconds` from now; 0: none) passed first.
    /// The call is a client's (depth 1, no caller); `listener` (a
    /// `ProgressListeners` number, 0: none) receives its progress reports.
    static func run<T>(
        _ descriptor: UnsafePointer<neko_plugin>, _ instance: UnsafeMutableRawPointer, ledger: ContractLedger,
        entryIndex: UInt32, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32, listener: UInt64 = 0,
        _ body: (Outcome?) -> T
    ) -> T {
        let deadline = MonotonicClock.deadline(afterMilliseconds: timeoutMilliseconds)
        // Guaranteed references throughout: the ring, its slots and their
        // outcomes live as long as the thread (or for ever), and retaining
        // them would cost more than the rest of a no-op call.
        return ThreadSlots.withCurrent { ring in
            ring.next()._withUnsafeGuaranteedRef { slot in
                Outcome.of(slot)._withUnsafeGuaranteedRef { outcome in
                    slot.reporter = ledger.address
                    slot.arm(
                        entryIndex: entryIndex, callID: ring.newCallID(), arguments: arguments,
                        timeoutMilliseconds: timeoutMilliseconds, deadline: deadline, complete: completeInline)
                    if listener != 0 { slot.listener.store(listener, ordering: .releasing) }
                    let outer = ring.serving
                    ring.serving = slot
                    descriptor.pointee.invoke(instance, slot.call)
                    ring.serving = outer
                    if slot.current != .completed {
                        if slot.current == .pending { ledger.returnedIncomplete(entryIndex: entryIndex) }
                        guard Late.waitForCompletion(of: slot, until: MonotonicClock.instant(of: deadline)) else {
                            return body(nil)  // abandoned: the late completion frees it
                        }
                    }
                    defer {
                        outcome.reset()
                        slot.recycle()
                    }
                    return body(outcome)
                }
            }
        }
    }

    /// The call this thread is serving: the one whose `invoke` runs on it
    /// now (innermost first), or nil. It is the parent of a call the plugin
    /// makes from that `invoke` without naming one (`neko_call.parent`).
    /// Makes no ring of slots for a thread that has none (a plugin's own).
    static var servingHere: CallSlot? {
        ThreadSlots.existing?.serving
    }

    /// Runs `invoke` with `slot` as this thread's `serving` call.
    static func serving<T>(_ slot: CallSlot, _ invoke: () -> T) -> T {
        let ring = ThreadSlots.current
        let outer = ring.serving
        ring.serving = slot
        defer { ring.serving = outer }
        return invoke()
    }

    /// The `complete` functions of the calls the host makes: a pointer a
    /// plugin hands back (a `parent`, a progress report) is trusted as a
    /// host-made call only when its `complete` is one of them.
    static let hostCompletions: [neko_complete_fn] = [completeInline, Forwarding.completeLink, CallWaiter.completeWaiter]

    /// The `complete` of an inline call: the first completion stores the
    /// outcome (and wakes a caller waiting for a late one); a completion
    /// after the caller gave up frees the slot; a second one is reported.
    static let completeInline: neko_complete_fn = { call, result in
        guard let call, let context = call.pointee.context else { return }
        Unmanaged<CallSlot>.fromOpaque(context)._withUnsafeGuaranteedRef { slot in
            switch slot.claim() {
            case .first:
                Outcome.of(slot)._withUnsafeGuaranteedRef { $0.store(result) }
                if slot.settle() { Late.wake() }
            case .late:
                return
            case .repeated:
                ContractLedger.at(slot.reporter!).repeatedCompletion(entryIndex: call.pointee.entry_index, callID: call.pointee.call_id)
            }
        }
    }

    /// The slots of one thread, reused round-robin: a completion that comes
    /// after the call is over finds its slot idle (or recycled only after
    /// `size` more calls on that thread), never freed memory.
    private final class ThreadSlots: @unchecked Sendable {  // used by its thread only, or parked in `parked`
        static let size = 16
        // Unchecked exclusivity: a ring is only ever used by its own thread,
        // and dynamic checks cost more than the rest of a no-op call.
        @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Unmanaged<CallSlot>>
        @exclusivity(unchecked) private var count = ThreadSlots.size
        @exclusivity(unchecked) private var cursor = 0
        /// The call whose `invoke` runs on this thread now (unowned: slots are immortal).
        @exclusivity(unchecked) unowned(unsafe) var serving: CallSlot?
        @exclusivity(unchecked) private var nextID: UInt64 = 0
        @exclusivity(unchecked) private var endID: UInt64 = 0

        /// A fresh call id, from a block this thread reserved.
        func newCallID() -> UInt64 {
            if nextID == endID {
                nextID = CallIDs.block(1024)
                endID = nextID &+ 1024
            }
            defer { nextID &+= 1 }
            return nextID
        }

        init() {
            slots = .allocate(capacity: Self.size)
            for index in 0..<Self.size { (slots + index).initialize(to: Self.makeSlot()) }
        }

        /// A slot with its outcome, both immortal (the slot holds itself
        /// through its call; the outcome is held by the slot's `owner`).
        private static func makeSlot() -> Unmanaged<CallSlot> {
            let slot = CallSlot()
            let outcome = Outcome()
            slot.owner = outcome
            slot.word = UInt64(UInt(bitPattern: Unmanaged.passUnretained(outcome).toOpaque()))
            return Unmanaged.passUnretained(slot)
        }

        /// An idle slot: the next in the ring that is idle (one may still be
        /// held by a plugin that never completed it), else a new one.
        func next() -> Unmanaged<CallSlot> {
            for _ in 0..<count {
                let slot = slots[cursor]
                cursor = cursor + 1 == count ? 0 : cursor + 1
                if slot._withUnsafeGuaranteedRef({ $0.current == .idle }) { return slot }
            }
            let grown = UnsafeMutablePointer<Unmanaged<CallSlot>>.allocate(capacity: count + 1)
            grown.moveInitialize(from: slots, count: count)
            slots.deallocate()
            slots = grown
            let slot = Self.makeSlot()
            (slots + count).initialize(to: slot)
            count += 1
            return slot
        }

        /// Runs `body` with this thread's ring, unretained.
        @inline(__always)
        static func withCurrent<T>(_ body: (ThreadSlots) -> T) -> T {
            if let raw = pthread_getspecific(key) { return Unmanaged<ThreadSlots>.fromOpaque(raw)._withUnsafeGuaranteedRef(body) }
            return body(current)
        }

        /// Rings of threads that ended, for threads that start.
        private static let parked = Mutex<[ThreadSlots]>([])

        private static let key: pthread_key_t = {
            var key = pthread_key_t()
            pthread_key_create(&key) { raw in
                guard let raw else { return }
                ThreadSlots.parked.withLock { $0.append(Unmanaged<ThreadSlots>.fromOpaque(raw).takeRetainedValue()) }
            }
            return key
        }()

        /// This thread's ring, if it has one.
        static var existing: ThreadSlots? {
            pthread_getspecific(key).map { Unmanaged<ThreadSlots>.fromOpaque($0).takeUnretainedValue() }
        }

        /// This thread's ring.
        static var current: ThreadSlots {
            if let raw = pthread_getspecific(key) { return Unmanaged<ThreadSlots>.fromOpaque(raw).takeUnretainedValue() }
            let ring = parked.withLock { $0.popLast() } ?? ThreadSlots()
            pthread_setspecific(key, Unmanaged.passRetained(ring).toOpaque())
            return ring
        }
    }

    /// The lock and condition for completions that arrive after `invoke` returned.
    private enum Late {
        private static let lock = LockAndCondition()

        static func wake() {
            lock.locked { lock.broadcast() }
        }

        /// Waits until `slot` is completed. - Returns: false when `deadline`
        /// passed first (the slot is then abandoned).
        static func waitForCompletion(of slot: CallSlot, until deadline: ContinuousClock.Instant?) -> Bool {
            slot.hasWaiter.store(true, ordering: .sequentiallyConsistent)
            return lock.locked {
                var deadline = deadline
                while slot.current != .completed {
                    if !lock.wait(until: deadline) {
                        if slot.abandon() { return false }
                        deadline = nil  // a completion is under way: wait for its end
                    }
                }
                return true
            }
        }
    }
}
