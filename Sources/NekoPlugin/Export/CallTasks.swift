#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// The tasks of an instance's async calls in flight, by call id, so that the
/// host's `cancel` can reach them and `stop` can wait for none.
final class CallTasks: Sendable {
    private struct Running {
        var next: UInt64 = 0
        var tasks: [UInt64: (token: UInt64, task: Task<Void, Never>)] = [:]
    }
    private let running = Mutex(Running())

    /// Starts `body` as the task of call `id`.
    ///
    /// The task is registered under the lock it takes to unregister itself, so
    /// even a task that finishes at once never leaves a stale entry; the token
    /// keeps a finished call from unregistering a later call with the same id.
    func start(_ id: UInt64, _ body: @escaping @Sendable () async -> Void) {
        running.withLock { state in
            state.next &+= 1
            let token = state.next
            let task = Task(executorPreference: PluginExecutor.shared) {
                await body()
                self.running.withLock { state in
                    if state.tasks[id]?.token == token { state.tasks[id] = nil }
                }
            }
            state.tasks[id] = (token, task)
        }
    }

    /// Cancels call `id` if it is still running.
    func cancel(_ id: UInt64) {
        running.withLock { $0.tasks[id]?.task }?.cancel()
    }

    /// Cancels every call still running.
    func cancelAll() {
        let tasks = running.withLock { $0.tasks.values.map(\.task) }
        for task in tasks { task.cancel() }
    }

    /// Waits until no call is running, at most `limit`.
    /// - Returns: whether none is left.
    func waitUntilIdle(atMost limit: Duration) -> Bool {
        let deadline = ContinuousClock.now + limit
        while !running.withLock({ $0.tasks.isEmpty }) {
            guard ContinuousClock.now < deadline else { return false }
            usleep(1000)
        }
        return true
    }
}
