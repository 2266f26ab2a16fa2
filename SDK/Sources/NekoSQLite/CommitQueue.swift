import Glibc

/// Statements from many threads at once, committed together: one thread (the
/// leader) runs every statement waiting so far in one transaction while the
/// others wait, then each caller returns its own statement's outcome.
///
/// One commit for many statements is where 4 concurrent callers beat one:
/// in WAL mode a commit is a write of its frames plus the locking around it,
/// and that cost is paid once per group instead of once per statement. A
/// statement alone (one caller) runs as before, in autocommit mode.
///
/// Each caller returns only after the transaction holding its statement has
/// committed, so a statement is as durable when its call returns as it was
/// before (see ``Database`` on durability). A statement that fails on its own
/// (a constraint) fails only its caller; a failure that ends the transaction
/// (a full disk, an I/O error, the commit itself) fails every caller of the
/// group, and nothing of the group is kept.
///
/// Waiting is on a condition variable, never a poll.
final class CommitQueue: @unchecked Sendable {
    /// One caller's statement and, once its group is done, its outcome.
    ///
    /// `@unchecked Sendable`: the leader writes `error` before it sets `done`
    /// under the queue's mutex, and the caller reads it only after seeing `done`.
    final class Request: @unchecked Sendable {
        let sql: String
        let parameters: [SQLValue]
        /// Set by the leader before `done`; read by the caller after it.
        var error: DatabaseError?
        /// Guarded by the queue's mutex.
        var done = false

        init(sql: String, parameters: [SQLValue]) {
            self.sql = sql
            self.parameters = parameters
        }
    }

    // pthread objects need stable addresses: allocated once, never moved.
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    /// Statements waiting for a leader. Guarded by `mutex`.
    private var waiting: [Request] = []
    /// Whether a leader is running a group now. Guarded by `mutex`.
    private var leading = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(finished, nil)
    }

    deinit {
        pthread_cond_destroy(finished)
        pthread_mutex_destroy(mutex)
        finished.deallocate()
        mutex.deallocate()
    }

    /// Runs `sql` in the next group and returns once that group has committed.
    ///
    /// - Parameter runGroup: runs a group of statements on the writer
    ///   connection and sets each request's `error`; called by whichever
    ///   caller leads, without the queue's lock held.
    func execute(_ sql: String, _ parameters: [SQLValue], runGroup: ([Request]) -> Void) throws(DatabaseError) {
        let request = Request(sql: sql, parameters: parameters)
        pthread_mutex_lock(mutex)
        waiting.append(request)
        while !request.done {
            if leading {
                pthread_cond_wait(finished, mutex)
                continue
            }
            // Lead: take every statement waiting, this one among them.
            leading = true
            let group = waiting
            waiting.removeAll(keepingCapacity: true)
            pthread_mutex_unlock(mutex)
            runGroup(group)
            pthread_mutex_lock(mutex)
            for member in group { member.done = true }
            leading = false
            // The members return; a caller that came meanwhile leads the next group.
            pthread_cond_broadcast(finished)
        }
        pthread_mutex_unlock(mutex)
        if let error = request.error { throw error }
    }
}
