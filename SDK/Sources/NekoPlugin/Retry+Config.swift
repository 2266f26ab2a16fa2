extension Retry: Decodable {
    /// Reads a policy from a config table, eg `[retry]` of `plugin.toml`
    /// through `try context.config("retry", as: Retry.self)`:
    ///
    /// ```toml
    /// [retry]            # tenacity: stop_after_attempt(3), wait_exponential(multiplier=1, min=4, max=10)
    /// attempts = 3       # at least 1; default 3
    /// multiplier_ms = 1000   # the first wait before min and max; default 1000
    /// min_wait_ms = 4000     # the shortest wait; default 0
    /// max_wait_ms = 10000    # the longest wait; default none
    /// base = 2           # how fast the waits grow, at least 1; default 2
    /// jitter = 0.1       # each wait spread by ±10 %, 0 to 1; default 0
    /// ```
    ///
    /// Every key may be left out (an absent table gives the defaults); the
    /// backoff is ``Backoff/exponential(multiplier:min:max:base:jitter:)``,
    /// and `retrying` and `onRetry` are the defaults (``transientErrors``,
    /// ``logRetries``): change them with ``onRetry(_:)`` or build the policy
    /// with ``init(attempts:backoff:retrying:clock:random:onRetry:)``.
    ///
    /// - Throws: a `DecodingError` naming the key for an unknown key, a
    ///   value of the wrong type or one out of range (which
    ///   `PluginContext.config` reports as `[retry].attempts` and so on).
    public init(from decoder: any Decoder) throws {
        let every = try decoder.container(keyedBy: AnyKey.self)
        if let unknown = every.allKeys.first(where: { ConfigKey(stringValue: $0.stringValue) == nil }) {
            let known = ConfigKey.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(forKey: unknown, in: every, debugDescription: "unknown key; a retry policy takes \(known)")
        }
        let table = try decoder.container(keyedBy: ConfigKey.self)
        func read<Value: Decodable & Comparable>(_ key: ConfigKey, _ fallback: Value, in range: PartialRangeFrom<Value>, or upper: Value? = nil) throws -> Value {
            let value = try table.decodeIfPresent(Value.self, forKey: key) ?? fallback
            guard range.contains(value), upper.map({ value <= $0 }) ?? true else {
                let bounds = upper.map { "from \(range.lowerBound) to \($0)" } ?? "at least \(range.lowerBound)"
                throw DecodingError.dataCorruptedError(forKey: key, in: table, debugDescription: "must be \(bounds), got \(value)")
            }
            return value
        }
        let attempts = try read(.attempts, 3, in: 1...)
        let multiplier = try read(.multiplier_ms, 1000, in: 0...)
        let minimum = try read(.min_wait_ms, 0, in: 0...)
        let maximum: Int? = table.contains(.max_wait_ms) ? try read(.max_wait_ms, 0, in: 0...) : nil
        let base = try read(.base, 2.0, in: 1..., or: .greatestFiniteMagnitude)
        let jitter = try read(.jitter, 0.0, in: 0..., or: 1)
        let backoff = if let maximum {
            Backoff.exponential(multiplier: .milliseconds(multiplier), min: .milliseconds(minimum), max: .milliseconds(maximum), base: base, jitter: jitter)
        } else {
            Backoff.exponential(multiplier: .milliseconds(multiplier), min: .milliseconds(minimum), base: base, jitter: jitter)
        }
        self.init(attempts: attempts, backoff: backoff)
    }

    /// The keys of a `[retry]` table, as `plugin.toml` spells them.
    private enum ConfigKey: String, CodingKey, CaseIterable {
        case attempts, multiplier_ms, min_wait_ms, max_wait_ms, base, jitter
    }

    /// Any key of the table, to find those it should not have.
    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
