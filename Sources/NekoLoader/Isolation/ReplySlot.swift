import Dispatch
import NekoABI
import Synchronization

/// A reply from a worker, copied out of its frame.
struct WorkerReply: Sendable {
    let status: neko_status
    let field: String?
    let data: [UInt8]

    /// The data as text (an error message).
    var text: String { String(decoding: data, as: UTF8.self) }
}

/// What a request to a worker got.
enum WorkerAnswer: Sendable {
    /// The worker's reply.
    case reply(WorkerReply)
    /// The worker ended before it replied.
    case ended(WorkerExit)
    /// The deadline passed first.
    case timedOut
}

/// Where a thread waits for the reply to one request.
final class ReplySlot: Sendable {
    private let answer = Mutex<WorkerAnswer?>(nil)
    private let filled = DispatchSemaphore(value: 0)

    /// Sets the answer (the first one wins) and wakes the waiter.
    func fill(_ value: WorkerAnswer) {
        let first = answer.withLock { answer in
            guard answer == nil else { return false }
            answer = value
            return true
        }
        if first { filled.signal() }
    }

    /// Waits for the answer until `deadline` (nil: for ever).
    func wait(until deadline: ContinuousClock.Instant?) -> WorkerAnswer {
        if let deadline {
            let left = deadline - ContinuousClock.now
            _ = filled.wait(timeout: .now() + .nanoseconds(max(left, .zero).clampedNanoseconds))
        } else {
            filled.wait()
        }
        return answer.withLock { $0 ?? .timedOut }
    }
}

@_spi(Neko) import NekoCore
