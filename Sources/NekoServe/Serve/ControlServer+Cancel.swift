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
        let admitted = cancelable.withLock { calls -> Bool in
            guard calls[key] == nil else { return false }
            calls[key] = {}
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
        cancelable.withLock { calls in
            if calls[key] != nil { calls[key] = { task.cancel() } }
        }
        // The call's deadline ends it; the bound only guards against a call that never answers.
        _ = ended.wait(until: .now + .seconds(86_400 * 365)) { outcome.withLock { $0 != nil } }
        cancelable.withLock { _ = $0.removeValue(forKey: key) }
        return try (outcome.withLock { $0 } ?? .failure(CallError(.internal, "the call with cancel_key '\(key)' never ended"))).get()
    }
}
