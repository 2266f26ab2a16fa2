import Foundation

/// Timing: medians over rounds, each round long enough to swamp the clock.
enum Measure {
    static let rounds = 7

    /// Median nanoseconds per iteration of `body(iterations)`.
    static func median(iterations: Int = 200_000, _ body: (Int) -> Void) -> Double {
        body(iterations / 10)  // warm up
        var samples: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            body(iterations)
            samples.append(nanoseconds(ContinuousClock.now - start) / Double(iterations))
        }
        return middle(samples)
    }

    /// Median nanoseconds per call of an async `body`.
    static func medianAsync(iterations: Int, _ body: () async -> Void) async -> Double {
        for _ in 0..<(iterations / 10) { await body() }
        var samples: [Double] = []
        for _ in 0..<rounds {
            let start = ContinuousClock.now
            for _ in 0..<iterations { await body() }
            samples.append(nanoseconds(ContinuousClock.now - start) / Double(iterations))
        }
        return middle(samples)
    }

    static func middle(_ samples: [Double]) -> Double {
        samples.sorted()[samples.count / 2]
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1e9 + Double(attoseconds) / 1e9
    }

    /// Returns `value` through a call the optimizer cannot see through.
    @inline(never)
    static func opaque(_ value: Int) -> Int { value }

    /// Keeps a value alive so the optimizer cannot drop the work behind it.
    @inline(never)
    static func keep<T>(_ value: T) {
        withExtendedLifetime(value) {}
    }
}
