import NekoABI
import Synchronization

/// The memory of one call handed to a plugin, with the atomic state that
/// makes its completion exactly-once, on either side of a worker's lanes.
///
/// A plugin reads its `neko_call` again when it completes it (it calls
/// `call->complete(call, ...)`), so that memory must stay readable however
/// late, or however often, the plugin completes: a slot is never freed, only
/// reused once it is idle (see `CallSlotPool`). Its `context` points at the
/// slot itself, so a completion finds the slot without trusting anything
/// but memory that lives for ever.
///
/// The first completion of an armed slot wins (`claim` returns `.first`);
/// a completion of a slot already completed, or idle again, is `.repeated`
/// (a plugin bug, for the owner to report); a completion of a slot whose
/// caller gave up at its deadline is `.late`, and frees the slot.
@_spi(Neko) public final class CallSlot: @unchecked Sendable {
    /// Where a slot's call stands.
    @_spi(Neko) public enum Phase: UInt8, Sendable {
        /// Not handed to a plugin: free for reuse.
        case idle
        /// Handed to a plugin, not completed yet.
        case pending
        /// Its first completion is storing the result.
        case completing
        /// Completed; the owner has not taken the result yet.
        case completed
        /// Its caller gave up (a deadline); the plugin still holds it.
        case abandoned
    }

    /// What a completion of this slot is.
    @_spi(Neko) public enum Claim: Sendable {
        /// The first completion of the call: it owns the result.
        case first
        /// A completion after the caller gave up: ignore it (the slot is idle again).
        case late
        /// A second completion: ignore it, and report the plugin.
        case repeated
    }

    /// The call the plugin receives; lives as long as the process.
    @_spi(Neko) public let call: UnsafeMutablePointer<neko_call>
    private let phase = Atomic<UInt8>(Phase.idle.rawValue)
    /// Set by a waiting caller before it sleeps: a completion then wakes it.
    @_spi(Neko) public let hasWaiter = Atomic<Bool>(false)
    /// The owner's: what receives the completion. Written only while the slot
    /// is idle or by the winner of `claim`.
    @_spi(Neko) public var owner: AnyObject? {
        get { storedOwner }
        set { storedOwner = newValue }
    }
    /// The owner's: who to tell about a repeated completion (an immortal
    /// object's address), and a number for the call in messages.
    @_spi(Neko) public var reporter: UnsafeRawPointer? {
        get { storedReporter }
        set { storedReporter = newValue }
    }
    /// The owner's: a word of its own (a request id, a call number).
    @_spi(Neko) public var word: UInt64 {
        get { storedWord }
        set { storedWord = newValue }
    }

    // The storage behind the owner's fields, with unchecked exclusivity: the
    // phase orders their uses, and a dynamic check costs more than the rest
    // of a no-op call. (Computed accessors, because another module's direct
    // access to a stored property would check it anyway.)
    @exclusivity(unchecked) private nonisolated(unsafe) var storedOwner: AnyObject?
    @exclusivity(unchecked) private nonisolated(unsafe) var storedReporter: UnsafeRawPointer?
    @exclusivity(unchecked) private nonisolated(unsafe) var storedWord: UInt64 = 0
    @exclusivity(unchecked) private nonisolated(unsafe) unowned(unsafe) var storedParent: CallSlot?

    /// Makes an idle slot, immortal: it holds itself through its call's context.
    @_spi(Neko) public init() {
        call = .allocate(capacity: 1)
        call.initialize(to: neko_call())
        call.pointee.context = Unmanaged.passRetained(self).toOpaque()
    }

    /// The slot a completion's `call` belongs to.
    @inline(__always)
    @_spi(Neko) public static func of(_ call: UnsafePointer<neko_call>) -> CallSlot {
        Unmanaged<CallSlot>.fromOpaque(call.pointee.context!).takeUnretainedValue()
    }

    /// The owner's: the call this one was made for, when a plugin made it
    /// while serving another (for the chain a too-deep call names). Unowned:
    /// slots are immortal, and a plugin that names a finished call as a
    /// parent reads a stale slot, never freed memory.
    @_spi(Neko) public var parent: CallSlot? {
        get { storedParent }
        set { storedParent = newValue }
    }
    /// Who listens to this call's progress reports (a `ProgressListeners`
    /// number), 0: nobody. Set by the owner before the plugin gets the call.
    @_spi(Neko) public let listener = Atomic<UInt64>(0)

    /// Hands `progress` to the call's listener, if it has one and the call
    /// is still pending; a report after completion is dropped. [any-thread]
    @_spi(Neko) public func report(_ progress: @autoclosure () -> CallProgress) {
        let number = listener.load(ordering: .acquiring)
        guard number != 0, current == .pending, let receiver = ProgressListeners.shared.listener(number) else { return }
        receiver.receive(progress())
    }

    /// Fills in the call and marks it pending; call only on an idle slot.
    /// `deadline` is absolute (`MonotonicClock`, 0: none); `timeoutMilliseconds`
    /// is the same deadline from now, for a 1.0 plugin.
    @inline(__always)
    @_spi(Neko) public func arm(
        entryIndex: UInt32, callID: UInt64, arguments: UnsafeRawBufferPointer, timeoutMilliseconds: UInt32, deadline: UInt64,
        caller: UnsafePointer<CChar>? = nil, depth: UInt32 = 1, complete: neko_complete_fn
    ) {
        call.pointee.struct_size = UInt32(MemoryLayout<neko_call>.size)
        call.pointee.entry_index = entryIndex
        call.pointee.call_id = callID
        call.pointee.args = arguments.baseAddress?.assumingMemoryBound(to: UInt8.self)
        call.pointee.args_len = arguments.count
        call.pointee.timeout_ms = timeoutMilliseconds
        call.pointee.complete = complete
        call.pointee.deadline_ns = deadline
        call.pointee.caller = caller
        call.pointee.depth = depth
        listener.store(0, ordering: .relaxed)
        hasWaiter.store(false, ordering: .relaxed)
        phase.store(Phase.pending.rawValue, ordering: .releasing)
    }

    /// The slot of a `neko_call` a plugin passes back to the host (a
    /// `parent`, a `progress` report), or nil when that call is not one the
    /// host made with `complete` (a plugin bug: its own call, or garbage
    /// that still points to a call).
    @_spi(Neko) public static func ofHostCall(_ call: UnsafePointer<neko_call>?, completedBy functions: [neko_complete_fn]) -> CallSlot? {
        guard let call, call.isAtLeast1_0, let context = call.pointee.context, let complete = call.pointee.complete else { return nil }
        let address = unsafeBitCast(complete, to: UnsafeRawPointer.self)
        guard functions.contains(where: { unsafeBitCast($0, to: UnsafeRawPointer.self) == address }) else { return nil }
        return Unmanaged<CallSlot>.fromOpaque(context).takeUnretainedValue()
    }

    /// Drops the borrowed arguments once the function that took the call returned.
    @inline(__always)
    @_spi(Neko) public func forgetArguments() {
        call.pointee.args = nil
        call.pointee.args_len = 0
    }

    /// Where the call stands now.
    @_spi(Neko) public var current: Phase { Phase(rawValue: phase.load(ordering: .acquiring))! }

    /// Decides what a completion is; exactly one completion per arming gets `.first`.
    @inline(__always)
    @_spi(Neko) public func claim() -> Claim {
        if phase.compareExchange(expected: Phase.pending.rawValue, desired: Phase.completing.rawValue, ordering: .acquiringAndReleasing).exchanged {
            return .first
        }
        if phase.compareExchange(expected: Phase.abandoned.rawValue, desired: Phase.idle.rawValue, ordering: .acquiringAndReleasing).exchanged {
            return .late
        }
        return .repeated
    }

    /// Ends the winning completion: the result is stored. Returns whether a
    /// caller may be waiting (then wake it).
    @inline(__always)
    @_spi(Neko) public func settle() -> Bool {
        phase.store(Phase.completed.rawValue, ordering: .sequentiallyConsistent)
        return hasWaiter.load(ordering: .sequentiallyConsistent)
    }

    /// Gives up on a pending call (its deadline passed). - Returns: false
    /// when a completion came first (then wait for `completed`).
    @_spi(Neko) public func abandon() -> Bool {
        phase.compareExchange(expected: Phase.pending.rawValue, desired: Phase.abandoned.rawValue, ordering: .acquiringAndReleasing).exchanged
    }

    /// Makes a completed slot idle again, once its owner has taken the result.
    @inline(__always)
    @_spi(Neko) public func recycle() {
        parent = nil
        phase.store(Phase.idle.rawValue, ordering: .releasing)
    }
}

/// Idle slots shared by all threads, reused first in, first out, and only
/// once `quarantine` others are idle: a completion that comes much too late
/// (a plugin bug) still finds its slot idle, is reported as repeated, and is
/// not mistaken for the completion of a newer call.
@_spi(Neko) public final class CallSlotPool: Sendable {
    /// How many idle slots stay unused before the oldest is reused.
    @_spi(Neko) public static let quarantine = 64
    private let idle = Mutex(SlotRing())

    /// Makes an empty pool.
    @_spi(Neko) public init() {}

    /// An idle slot: a reused one, or a new one.
    @_spi(Neko) public func take() -> CallSlot {
        idle.withLock { $0.count > Self.quarantine ? $0.popFirst() : nil } ?? CallSlot()
    }

    /// Returns an idle slot for reuse.
    @_spi(Neko) public func put(_ slot: CallSlot) {
        idle.withLock { $0.append(slot) }
    }
}

/// A first-in first-out ring of slots.
private struct SlotRing: @unchecked Sendable {  // guarded by the pool's mutex
    private var items: [CallSlot?] = Array(repeating: nil, count: 128)
    private var head = 0
    private(set) var count = 0

    mutating func append(_ slot: CallSlot) {
        if count == items.count {
            let ordered = (0..<count).map { items[(head + $0) % items.count] }
            items = ordered + Array(repeating: nil, count: items.count)
            head = 0
        }
        items[(head + count) % items.count] = slot
        count += 1
    }

    mutating func popFirst() -> CallSlot? {
        guard count > 0 else { return nil }
        let slot = items[head]
        items[head] = nil
        head = (head + 1) % items.count
        count -= 1
        return slot
    }
}
