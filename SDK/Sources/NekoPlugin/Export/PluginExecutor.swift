#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Where a plugin's async work runs: Dispatch's global thread pool, not the
/// host's Swift cooperative pool.
///
/// Rationale: an async entry (and every task it starts, and every `await` in
/// it) must make progress even when the host keeps its own cooperative
/// threads busy or blocked (a blocking call, a long CPU-bound loop). Dispatch
/// adds threads when some block; Swift's pool, sized to the cores, does not.
///
/// A call's task starts on the invoking thread (`startHere`) *as a job of
/// this executor*, so that its first `await` of a nonisolated function finds
/// itself already on the executor it prefers and does not hop: an async
/// entry that answers without suspending costs no Dispatch hop and no
/// wake-up. Only a job enqueued after a real suspension goes to Dispatch.
final class PluginExecutor: TaskExecutor, @unchecked Sendable {
    // Stateless: every job goes to the global queue (but the first, see `startHere`).
    static let shared = PluginExecutor()

    /// Set on a thread while `startHere` creates a task there: the next job
    /// this executor is given on that thread (the new task's first) runs inline.
    private static let startingHere: pthread_key_t = {
        var key = pthread_key_t()
        precondition(pthread_key_create(&key, nil) == 0, "NekoPlugin cannot make a thread-local key")
        return key
    }()

    /// Starts `operation` as a task that prefers this executor, and runs it
    /// on the calling thread until its first suspension (what `Task.immediate`
    /// does, without its hop at the first `await`). It may have ended when
    /// this returns.
    static func startHere(_ operation: sending @escaping () async -> Void) -> Task<Void, Never> {
        let key = startingHere
        pthread_setspecific(key, UnsafeRawPointer(bitPattern: 1))
        let task = Task(executorPreference: shared, operation: operation)
        pthread_setspecific(key, nil)  // in case the runtime did not enqueue here
        return task
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let key = Self.startingHere
        if pthread_getspecific(key) != nil {
            pthread_setspecific(key, nil)  // only the first: the task's own later jobs and its children go to Dispatch
            job.runSynchronously(on: asUnownedTaskExecutor())
            return
        }
        DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
