import Dispatch
@_spi(Neko) import NekoCore

/// Runs an async lifecycle hook (`startup`, `shutdown`) to its end on the
/// host's lifecycle thread, which waits for it.
///
/// Rationale: the hook's jobs run on the waiting thread itself, not on Swift's
/// cooperative pool. A host whose pool threads are all blocked (in a blocking
/// call, say) would otherwise starve the hook, and the plugin would miss its
/// startup timeout for no fault of its own. Jobs that arrive after the hook
/// returned (a task the hook left running inherits this executor) go to
/// Dispatch's global queue, as `PluginExecutor`'s do, so they are never
/// stranded.
final class LifecycleExecutor: TaskExecutor, @unchecked Sendable {
    // `jobs` and `finished` are guarded by `lock`.
    private var jobs: [UnownedJob] = []
    private var finished = false
    private let lock = LockAndCondition()

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let queued = lock.locked {
            if finished { return false }
            jobs.append(job)
            lock.signal()
            return true
        }
        if !queued {
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }

    /// Runs `body` with this executor preferred, on the calling thread, and
    /// returns when it has finished. - Throws: what `body` throws.
    func run(_ body: @escaping @Sendable () async throws -> Void) throws {
        let outcome = HookOutcome()
        Task(executorPreference: self) {
            do { try await body() } catch { outcome.error = error }
            self.finish()
        }
        while let job = next() {
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
        if let error = outcome.error { throw error }
    }

    /// The next job, waiting for one; nil once the hook has finished.
    private func next() -> UnownedJob? {
        lock.locked {
            while jobs.isEmpty && !finished { lock.wait() }
            return jobs.isEmpty ? nil : jobs.removeFirst()
        }
    }

    private func finish() {
        // Jobs still queued (tasks the hook left behind) move to Dispatch.
        let left = lock.locked {
            finished = true
            defer { jobs = [] }
            lock.signal()
            return jobs
        }
        for job in left {
            DispatchQueue.global().async { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
        }
    }
}

/// A thrown error carried from the hook's task to the waiting thread.
private final class HookOutcome: @unchecked Sendable {
    // Written by the task before `finish`, read by the waiter after the loop ends.
    var error: (any Error)?
}
