import Logging

extension Retry {
    /// What ``Retry`` retries by default: an error that says whether it is
    /// transient (a ``TransientError``, eg NekoHTTP's `HTTPError` or a
    /// `CallError`) is retried when it says so; `CancellationError` never;
    /// any other error always (it cannot say, and trying again is the point
    /// of a `Retry`).
    ///
    /// So around an HTTP GET, a 503, a 429 or a refused connection is tried
    /// again, while a 404 or an `invalid_argument` (a malformed URL) ends
    /// the run at once, as it is.
    public static let transientErrors: @Sendable (any Error) -> Bool = { error in
        switch error {
        case is CancellationError: false
        case let error as any TransientError: error.isTransient
        default: true
        }
    }

    /// What ``Retry`` tells of each retry by default: a warning through the
    /// logger of the plugin whose call is running (the host attributes it to
    /// the plugin, as ``PluginContext/logger``), eg
    /// `attempt 1 failed (HTTP 503 from http://...); retrying in 4.1 s`.
    ///
    /// Outside an entry (in a timer, in `startup()`), where no call is
    /// running, it logs nothing: give `onRetry` a hook that uses
    /// `context.logger` there.
    public static let logRetries: @Sendable (_ attempt: Int, _ error: any Error, _ wait: Duration) -> Void = { attempt, error, wait in
        CallContext.current?.pluginLogger.warning("attempt \(attempt) failed (\(error)); retrying in \(wait.shortDescription)")
    }
}

extension Duration {
    /// The duration for people, rounded: `250 ms` below a second, else
    /// seconds with one decimal, eg `4.1 s`.
    var shortDescription: String {
        let milliseconds = (self / .milliseconds(1)).rounded()
        return milliseconds < 1000 ? "\(Int(milliseconds)) ms" : "\((milliseconds / 100).rounded() / 10) s"
    }
}
