/// An error that knows whether trying again may help: ``Retry``'s default
/// `retrying` asks it, so an HTTP 503 is retried and a 404 is not.
///
/// Adopt it on your own errors to choose which ones a ``Retry`` retries
/// without writing a `retrying` closure at each use:
///
/// ```swift
/// struct PrinterError: TransientError {
///     var jammed: Bool
///     var isTransient: Bool { !jammed }   // busy: try again; jammed: someone must come
/// }
/// ```
///
/// NekoHTTP's `HTTPError` adopts it (5xx, 429 and connection failures are
/// transient), and so does `CallError`: see ``CallError/isTransient``.
public protocol TransientError: Error {
    /// Whether the same operation, tried again a moment later, may succeed,
    /// eg `true` for HTTP 503 or a refused connection, `false` for HTTP 404
    /// or a malformed URL.
    var isTransient: Bool { get }
}

extension CallError: TransientError {
    /// Whether another attempt may succeed: `false` for `invalid_argument`,
    /// `not_found`, `canceled` and `internal` (the same call fails the same
    /// way), `true` for the others (`unavailable`, `timeout`,
    /// `execution_failed`, `plugin_crashed`), as for an error that does not say.
    public var isTransient: Bool {
        switch code {
        case .invalidArgument, .notFound, .canceled, .internal: false
        case .executionFailed, .timeout, .unavailable, .crashed: true
        }
    }
}
