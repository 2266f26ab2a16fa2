#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore

/// The threads that run sync entries for async callers, so that a sync
/// entry (which may block for as long as it likes) never runs on Swift's
/// cooperative pool, whose few threads every task of the host shares.
///
/// A job goes to an idle thread if there is one, else to a new thread:
/// the pool never makes a job wait for another to end. Up to
/// `keptIdle` threads wait for work (on a condition) for 10 s; the others
/// end once they have nothing to do.
final class SyncCallThreads: @unchecked Sendable {
    // `jobs`, `waiting` and `threads` are guarded by `lock`.
    static let shared = SyncCallThreads()

    private let lock = LockAndCondition()
    private var jobs: [@Sendable () -> Void] = []
    private var next = 0
    /// Threads in `wait`, not yet woken for a job.
    private var waiting = 0
    private var threads = 0
    /// How many threads may stay idle.
    let keptIdle = max(4, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    /// How long an idle thread waits for work before it ends.
    static let idleLimit = Duration.seconds(10)

    /// Runs `job` on a thread of the pool (a new one when none is idle).
    func run(_ job: @escaping @Sendable () -> Void) {
        let spawn = lock.locked { () -> Bool in
            jobs.append(job)
            if waiting >= jobs.count - next {
                lock.signal()
                return false
            }
            threads += 1
            return true
        }
        if spawn && !DetachedThread.start({ self.serve() }) {
            // No thread to be had: run it here rather than never.
            lock.locked { threads -= 1 }
            if let job = take() { job() }
        }
    }

    /// The next job, if any; call without the lock.
    private func take() -> (@Sendable () -> Void)? {
        lock.locked { takeLocked() }
    }

    private func takeLocked() -> (@Sendable () -> Void)? {
        guard next < jobs.count else { return nil }
        let job = jobs[next]
        next += 1
        if next == jobs.count {
            jobs.removeAll(keepingCapacity: true)
            next = 0
        }
        return job
    }

    private func serve() {
        while true {
            let job: (@Sendable () -> Void)? = lock.locked {
                while true {
                    if let job = takeLocked() { return job }
                    guard waiting < keptIdle else { break }  // enough idle threads already
                    waiting += 1
                    let woken = lock.wait(until: ContinuousClock.now + Self.idleLimit)
                    waiting -= 1
                    if !woken && next == jobs.count { break }
                }
                threads -= 1
                return nil
            }
            guard let job else { return }
            job()
        }
    }
}
