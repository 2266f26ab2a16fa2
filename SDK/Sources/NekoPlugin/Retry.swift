#if canImport(Glibc)
import Glibc
#endif

/// Runs an operation again when it fails, waiting longer between attempts:
/// the SDK's counterpart of Python's `tenacity.retry`.
///
/// Put it around a call that can fail for a moment and then work (a network
/// fetch, a busy database, a plugin that is restarting), and it gives up with
/// a ``RetryError`` after a bounded number of attempts, or when the next
/// attempt would start after the call's deadline:
///
/// ```swift
/// // tenacity: @retry(stop=stop_after_attempt(3), wait=wait_exponential(multiplier=1, min=4, max=10))
/// let page = try await Retry(attempts: 3, backoff: .exponential(min: .seconds(4), max: .seconds(10)))
///     .run { try await fetch(url) }   // waits 4 s, then 4 s, as tenacity does
///
/// // Only some errors are worth another attempt; log each retry your own way.
/// static let policy = Retry(
///     attempts: 5, backoff: .exponential(multiplier: .milliseconds(100), max: .seconds(2), jitter: 0.2),
///     retrying: { $0 is BusyError })
/// try await Self.policy
///     .onRetry { attempt, error, wait in logger.notice("attempt \(attempt) failed: \(error); again in \(wait)") }
///     .run { try await store.save(record) }
///
/// // The policy from plugin.toml's [retry] table (see `init(from:)`).
/// let retry = try context.config("retry", as: Retry.self)
/// ```
///
/// By default it retries what ``transientErrors`` says is worth it (an
/// error that is a ``TransientError`` says so itself: HTTP 503 yes, 404 no)
/// and logs each retry through the plugin's logger (``logRetries``).
///
/// The rules, in the order `run` applies them after an attempt throws:
/// 1. an error that `retrying` refuses (by default `CancellationError` and
///    a ``TransientError`` that is not transient) is rethrown at once, as it is;
/// 2. if the task is canceled, `run` throws `CancellationError`;
/// 3. if that was the last attempt, `run` throws a ``RetryError`` carrying
///    the number of attempts and the last error;
/// 4. if the wait before the next attempt would end after the call's
///    deadline (``CallDeadline/current``: inside an entry, the deadline the
///    host gave the call), `run` throws a ``RetryError`` that says so rather
///    than sleep past it;
/// 5. otherwise it calls the `onRetry` hook, waits as ``backoff`` says (a
///    cancellation ends the wait with `CancellationError`), and tries again.
///
/// `run` never starts an attempt in a canceled task.
///
/// `Retry` is a value: declare a policy once (eg as a `static let`) and share
/// it between tasks and threads; each `run` keeps its own count.
public struct Retry: Sendable {
    /// How many times `run` calls the operation at most, eg `3`; at least 1.
    public let attempts: Int
    /// How long `run` waits after each failed attempt.
    public let backoff: Backoff

    /// Whether an error is worth another attempt.
    let shouldRetry: @Sendable (any Error) -> Bool
    /// Told of each retry before its wait.
    var retryHook: (@Sendable (_ attempt: Int, _ error: any Error, _ wait: Duration) -> Void)?
    /// Waits: `clock.sleep(for:)`; throws `CancellationError` when the task is canceled.
    let sleep: @Sendable (Duration) async throws -> Void
    /// Starts a stopwatch on the clock: the returned function gives the time since.
    let stopwatch: @Sendable () -> @Sendable () -> Duration
    /// A number in `0...1` for the jitter.
    let random: @Sendable () -> Double

    /// Makes a retry policy.
    ///
    /// An out-of-range value does not trap: a plugin runs inside the host's
    /// process, so a policy read from `plugin.toml` must not take the host
    /// down. It is brought into range instead, as each parameter says.
    ///
    /// - Parameters:
    ///   - attempts: how many times to call the operation at most, counting
    ///     the first, eg `3` (tenacity's `stop_after_attempt(3)`). Less than 1
    ///     counts as 1.
    ///   - backoff: how long to wait after each failed attempt, eg
    ///     `.exponential(min: .seconds(4), max: .seconds(10))`, `.constant(.seconds(1))`, `.none`.
    ///   - retrying: whether an error is worth another attempt, eg
    ///     `{ $0 is BusyError }`. The default, ``transientErrors``, retries
    ///     every error but `CancellationError` and a ``TransientError`` that
    ///     says it is not transient. An error it refuses is rethrown at once.
    ///   - clock: the clock that waits, and that measures the time left
    ///     before the call's deadline; the default is a `ContinuousClock`.
    ///     Tests pass a clock that records the waits and returns at once. Its
    ///     `sleep` should throw `CancellationError` when the task is canceled
    ///     (the standard clocks do); `run` checks for cancellation after
    ///     every wait in any case.
    ///   - random: a number in `0...1` each time a wait is jittered; the
    ///     default is `Double.random(in: 0..<1)`. Tests pass a fixed one.
    ///     Values outside `0...1` are clamped into it.
    ///   - onRetry: told of each retry, before its wait: the number of the
    ///     attempt that failed (1 for the first), its error, and how long
    ///     `run` will wait before the next attempt. Eg to log. It runs on the
    ///     task that called `run`, so it should return quickly. The default,
    ///     ``logRetries``, logs a warning through the plugin's logger; `nil`
    ///     tells nobody.
    public init(
        attempts: Int,
        backoff: Backoff,
        retrying: @escaping @Sendable (any Error) -> Bool = Retry.transientErrors,
        clock: some Clock<Duration> = ContinuousClock(),
        random: @escaping @Sendable () -> Double = { Double.random(in: 0..<1) },
        onRetry: (@Sendable (_ attempt: Int, _ error: any Error, _ wait: Duration) -> Void)? = Retry.logRetries
    ) {
        self.attempts = Swift.max(1, attempts)
        self.backoff = backoff
        self.shouldRetry = retrying
        self.retryHook = onRetry
        self.sleep = { try await clock.sleep(for: $0) }
        self.stopwatch = {
            let start = clock.now
            return { start.duration(to: clock.now) }
        }
        self.random = random
    }

    /// The same policy with `hook` told of each retry, in place of any
    /// `onRetry` given before.
    ///
    /// Use it to log with a logger you only have where you call: declare the
    /// policy once, add the hook at the call site.
    ///
    /// - Parameter hook: gets the number of the attempt that failed (1 for the
    ///   first), its error, and how long `run` will wait before the next attempt.
    public func onRetry(
        _ hook: @escaping @Sendable (_ attempt: Int, _ error: any Error, _ wait: Duration) -> Void
    ) -> Retry {
        var copy = self
        copy.retryHook = hook
        return copy
    }

    /// Calls `operation` until it returns, it throws an error that is not
    /// retried, the attempts run out, the next attempt would start after the
    /// call's deadline, or the task is canceled.
    ///
    /// The deadline is ``CallDeadline/current`` as `run` starts: inside an
    /// entry, the one the host gave the call; `nil` (none) elsewhere.
    ///
    /// `run` stays on the caller's actor, if it has one, and `operation`
    /// need not be `@Sendable`: a closure may use the caller's state, an
    /// actor's too, and return a value that is not `Sendable`.
    ///
    /// - Parameter operation: the work to try, eg `{ try await fetch(url) }`.
    /// - Returns: what the first successful attempt returned.
    /// - Throws: the error of an attempt that `retrying` refuses, as it is;
    ///   `CancellationError` if the task is canceled (also during a wait);
    ///   ``RetryError`` when every attempt failed, or when the wait before the
    ///   next one would pass the deadline (its ``RetryError/stop`` says which).
    nonisolated(nonsending)
    public func run<Value>(_ operation: () async throws -> Value) async throws -> Value {
        // The time left, measured on `clock` from here (so a test clock can
        // stand in for real time).
        let budget = CallDeadline.current.map { ContinuousClock.now.duration(to: $0) }
        let elapsed = stopwatch()
        var attempt = 1
        while true {
            try Task.checkCancellation()
            do {
                return try await operation()
            } catch {
                guard shouldRetry(error) else { throw error }
                try Task.checkCancellation()
                guard attempt < attempts else { throw RetryError(attempts: attempt, lastError: error) }
                let wait = backoff.wait(after: attempt, random: random)
                if let budget {
                    let left = budget - elapsed()
                    guard wait <= left else {
                        throw RetryError(attempts: attempt, lastError: error, stop: .deadline(wait: wait, left: Swift.max(left, .zero)))
                    }
                }
                retryHook?(attempt, error, wait)
                if wait > .zero { try await sleep(wait) }
                attempt += 1
            }
        }
    }
}

// MARK: - Backoff

extension Retry {
    /// How long to wait after a failed attempt before the next one:
    /// `.exponential(min:max:jitter:)`, `.constant(_:jitter:)` or `.none`.
    ///
    /// With a `jitter` above 0, each wait is spread evenly at random over
    /// `wait ± jitter × wait` (eg 0.2: 8 s becomes 6.4 s to 9.6 s), so that
    /// many plugins that failed together do not all retry together. The
    /// spread is applied after `max`, so a jittered wait may pass `max` by up
    /// to the jitter fraction.
    public struct Backoff: Sendable, Hashable, CustomStringConvertible {
        private enum Shape: Sendable, Hashable {
            case none
            case constant(Duration)
            case exponential(multiplier: Duration, min: Duration, max: Duration, base: Double)
        }

        private let shape: Shape
        /// The fraction (`0...1`) by which each wait is spread at random, eg `0.2` for ±20 %.
        public let jitter: Double

        private init(_ shape: Shape, jitter: Double) {
            self.shape = shape
            // NaN (which fails every comparison) becomes 0.
            self.jitter = jitter > 0 ? Swift.min(jitter, 1) : 0
        }

        /// No wait: the next attempt starts at once.
        public static let none = Backoff(.none, jitter: 0)

        /// The same wait after every failed attempt (tenacity's `wait_fixed`).
        ///
        /// - Parameters:
        ///   - wait: eg `.seconds(1)`; a negative wait counts as zero.
        ///   - jitter: the random spread, a fraction in `0...1`; clamped into it.
        public static func constant(_ wait: Duration, jitter: Double = 0) -> Backoff {
            Backoff(.constant(Swift.max(wait, .zero)), jitter: jitter)
        }

        /// tenacity's `wait_exponential(multiplier, max, exp_base, min)`, to
        /// the letter: the wait after failed attempt `n` (1 for the first) is
        ///
        ///     max(max(0, min), min(multiplier × base^(n-1), max))
        ///
        /// so `min` raises a short wait and `max` caps a long one, and `min`
        /// wins when the two cross. `.exponential(min: .seconds(4), max: .seconds(10))`
        /// (multiplier 1 s, base 2) grows 1, 2, 4, 8, 16 s, and waits
        /// 4 s, 4 s, 4 s, 8 s, 10 s, 10 s, ... exactly as
        /// `wait_exponential(multiplier=1, min=4, max=10)`. When
        /// `multiplier × base^(n-1)` is too large to compute, the wait is
        /// `max` (tenacity's `OverflowError` case).
        ///
        /// - Parameters:
        ///   - multiplier: the first term, eg `.seconds(1)` (tenacity's default);
        ///     a negative one counts as zero.
        ///   - min: the shortest wait, eg `.seconds(4)`; default zero.
        ///   - max: the longest wait, eg `.seconds(10)`; default 100 years.
        ///   - base: the growth factor, eg `2` (tenacity's `exp_base`); one
        ///     below 1 or not finite counts as 2.
        ///   - jitter: the random spread, a fraction in `0...1`; clamped into it.
        public static func exponential(
            multiplier: Duration = .seconds(1), min: Duration = .zero, max: Duration = .seconds(100 * 365 * 86_400),
            base: Double = 2, jitter: Double = 0
        ) -> Backoff {
            let base = base.isFinite && base >= 1 ? base : 2
            return Backoff(.exponential(multiplier: Swift.max(multiplier, .zero), min: min, max: max, base: base), jitter: jitter)
        }

        /// The wait after failed attempt `attempt` (1 for the first), before jitter.
        public func wait(after attempt: Int) -> Duration {
            switch shape {
            case .none:
                return .zero
            case .constant(let wait):
                return wait
            case .exponential(let multiplier, let min, let max, let base):
                let grown = Self.grow(multiplier, base: base, power: Swift.max(attempt, 1) - 1, cap: max)
                return Swift.max(Swift.max(.zero, min), Swift.min(grown, max))
            }
        }

        /// `multiplier × base^power`, or `cap` when that is at least `cap`
        /// (so nothing overflows). Exact when `base^power` is a whole number
        /// below 2^53.
        private static func grow(_ multiplier: Duration, base: Double, power: Int, cap: Duration) -> Duration {
            guard multiplier > .zero else { return .zero }  // 0 × base^power, however large the power
            let factor = pow(base, Double(power))
            let multiplierSeconds = multiplier.secondsValue
            let seconds = multiplierSeconds * factor
            guard seconds.isFinite, seconds < cap.secondsValue else { return cap }
            if factor < 9_007_199_254_740_992, factor == factor.rounded() {
                return multiplier * Int(factor)
            }
            return .seconds(seconds)
        }

        /// The wait after failed attempt `attempt`, spread by `jitter` with `random()`.
        func wait(after attempt: Int, random: () -> Double) -> Duration {
            let base = wait(after: attempt)
            guard jitter > 0, base > .zero else { return base }
            let sample = random()
            let unit = sample.isNaN ? 0.5 : Swift.min(Swift.max(sample, 0), 1)
            return base * (1 + jitter * (2 * unit - 1))
        }

        public var description: String {
            let spread = jitter > 0 ? ", jitter: \(jitter)" : ""
            switch shape {
            case .none: return "none"
            case .constant(let wait): return "constant(\(wait)\(spread))"
            case .exponential(let multiplier, let min, let max, let base):
                return "exponential(multiplier: \(multiplier), min: \(min), max: \(max), base: \(base)\(spread))"
            }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a `Double`.
    var secondsValue: Double {
        // From the 128-bit count: `components.seconds` traps past Int64's range.
        Double(attoseconds) / 1e18
    }
}

// MARK: - Giving up

/// What ``Retry/run(_:)`` throws when it gives up: every attempt failed, or
/// the wait before the next one would have passed the call's deadline.
///
/// Its description names the count, why it stopped and the last failure, eg
/// `gave up after 3 attempts: HTTP 503 from /status` or
/// `gave up after 2 attempts, as the next one (in 8.0 seconds) would start after
/// the call's deadline (in 5.9 seconds): HTTP 503 from /status`.
public struct RetryError: Error, Sendable, CustomStringConvertible {
    /// Why `run` stopped trying.
    public enum Stop: Sendable, Equatable {
        /// Every allowed attempt was made.
        case attempts
        /// The next attempt, after `wait`, would have started after the
        /// call's deadline, `left` away.
        case deadline(wait: Duration, left: Duration)
    }

    /// How many attempts were made, eg `3`.
    public let attempts: Int
    /// The error of the last attempt.
    public let lastError: any Error
    /// Why `run` stopped: the attempts ran out, or the deadline was near.
    public let stop: Stop

    /// Makes the error `run` throws after `attempts` attempts that ended with
    /// `lastError`, stopped for `stop`.
    public init(attempts: Int, lastError: any Error, stop: Stop = .attempts) {
        self.attempts = attempts
        self.lastError = lastError
        self.stop = stop
    }

    public var description: String {
        let count = "\(attempts) attempt\(attempts == 1 ? "" : "s")"
        switch stop {
        case .attempts:
            return "gave up after \(count): \(lastError)"
        case .deadline(let wait, let left):
            return "gave up after \(count), as the next one (in \(wait)) would start after the call's deadline (in \(left)): \(lastError)"
        }
    }
}
