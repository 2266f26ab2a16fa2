@_spi(Neko) import NekoCore
import NekoLoader
import Synchronization

extension ControlServer {
    /// A `call` with a `cancel_key`: the call runs as a task, which a
    /// `cancel` request naming the key (on another connection) cancels, as
    /// any caller's cancel (an async entry sees it; a sync one runs to its
    /// end). This thread waits for its outcome.
    func callCancelable(
        _ handle: EntryHandle, _ arguments: [UInt8], timeout: Duration?, progress: (@Sendable (CallProgress) -> Void)?, key: String
    ) throws(CallError) -> [UInt8] {
        // The cancel closure is in place before the task starts: a `cancel` that
        // arrives as soon as the call has begun (after its first progress event)
        // must not find a no-op. It marks the call canceled, and cancels the task
        // if it exists yet; the task, once made, is canceled if the mark is set.
        let state = Mutex<(task: Task<Void, Never>?, canceled: Bool)>((nil, false))
        let admitted = cancelable.withLock { calls -> Bool in
            guard calls[key] == nil else { return false }
            calls[key] = {
                let task = state.withLock { state -> Task<Void, Never>? in
                    state.canceled = true
                    return state.task
                }
                task?.cancel()
            }
            return true
        }
        guard admitted else {
            throw CallError(.invalidArgument, "another call in flight has cancel_key '\(key)': a key names one call", field: "cancel_key")
        }
        let outcome = Mutex<Result<[UInt8], CallError>?>(nil)
        let ended = LockAndCondition()
        let task = Task {
            let result: Result<[UInt8], CallError>
            do throws(CallError) { result = .success(try await handle.call(arguments, timeout: timeout, progress: progress)) } catch { result = .failure(error) }
            outcome.withLock { $0 = result }
            ended.notifyAll()
        }
        let canceledAlready = state.withLock { state -> Bool in
            state.task = task
            return state.canceled
        }
        if canceledAlready { task.cancel() }
        // The call's deadline ends it; the bound only guards against a call that never answers.
        _ = ended.wait(until: .now + .seconds(86_400 * 365)) { outcome.withLock { $0 != nil } }
        cancelable.withLock { _ = $0.removeValue(forKey: key) }
        return try (outcome.withLock { $0 } ?? .failure(CallError(.internal, "the call with cancel_key '\(key)' never ended"))).get()
    }
}
