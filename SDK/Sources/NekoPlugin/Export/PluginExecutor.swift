import Dispatch

/// Where a plugin's async work runs: Dispatch's global thread pool, not the
/// host's Swift cooperative pool.
///
/// Rationale: an async entry (and every task it starts, and every `await` in
/// it) must make progress even when the host keeps its own cooperative
/// threads busy or blocked (a blocking call, a long CPU-bound loop). Dispatch
/// adds threads when some block; Swift's pool, sized to the cores, does not.
/// The cost is a Dispatch hop per job, about a microsecond, paid only by
/// async entries.
final class PluginExecutor: TaskExecutor, @unchecked Sendable {
    // Stateless: every job goes to the global queue.
    static let shared = PluginExecutor()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
