@_spi(Neko) import NekoCore
import Synchronization

/// The tasks of an instance's async calls in flight, by call id, so that the
/// host's `cancel` can reach them and `stop` can wait for none.
///
/// A call's task starts immediately (`Task.immediate`): it runs on the
/// invoking thread until its first suspension, so an async entry that
/// answers without suspending costs no thread hop and no wake-up; after a
/// suspension it runs on `PluginExecutor` (Dispatch), never on the host's
/// cooperative pool.
final class CallTasks: Sendable {
    private struct Running {
        var next: UInt64 = 0
        /// The task of each call, nil while it is being started; `canceled`
        /// records a cancel that came before the task was known.
        var tasks: [UInt64: (token: UInt64, task: Task<Void, Never>?, canceled: Bool)] = [:]
    }
    private let running = Mutex(Running())
    /// Signaled when the last call ends, for `waitUntilIdle`.
    private let idle = LockAndCondition()

    /// Starts `body` as the task of call `id`.
    ///
    /// The call is registered before its task starts (the task may end
    /// before `Task.immediate` returns); the token keeps a finished call
    /// from unregistering a later call with the same id.
    func start(_ id: UInt64, _ body: sending @escaping () async -> Void) {
        let token = running.withLock { state in
            state.next &+= 1
            state.tasks[id] = (state.next, nil, false)
            return state.next
        }
        let task = Task.immediate(executorPreference: PluginExecutor.shared) {
            await body()
            self.finished(id, token)
        }
        let canceled = running.withLock { state -> Bool in
            guard state.tasks[id]?.token == token else { return false }  // already over
            state.tasks[id]?.task = task
            return state.tasks[id]!.canceled
        }
        if canceled { task.cancel() }
    }

    private func finished(_ id: UInt64, _ token: UInt64) {
        let empty = running.withLock { state -> Bool in
            if state.tasks[id]?.token == token { state.tasks[id] = nil }
            return state.tasks.isEmpty
        }
        if empty { idle.notifyAll() }
    }

    /// Cancels call `id` if it is still running.
    func cancel(_ id: UInt64) {
        let task = running.withLock { state -> Task<Void, Never>? in
            guard let entry = state.tasks[id] else { return nil }
            if entry.task == nil { state.tasks[id]?.canceled = true }
            return entry.task
        }
        task?.cancel()
    }

    /// Cancels every call still running.
    func cancelAll() {
        let tasks = running.withLock { state -> [Task<Void, Never>] in
            for id in state.tasks.keys where state.tasks[id]?.task == nil { state.tasks[id]?.canceled = true }
            return state.tasks.values.compactMap(\.task)
        }
        for task in tasks { task.cancel() }
    }

    /// Waits (on a condition, signaled by the last call to end) until no
    /// call is running, at most `limit`. - Returns: whether none is left.
    func waitUntilIdle(atMost limit: Duration) -> Bool {
        idle.wait(until: ContinuousClock.now + limit) { running.withLock { $0.tasks.isEmpty } }
    }
}
