@_spi(Neko) import NekoCore
import NekoPlugin

extension PluginHarness {
    /// The time on the harness's clock: how long the plugin has run, as far
    /// as its timers know. It moves only with ``advance(by:)``.
    public var now: Duration { lock.locked { state.clock.now } }

    /// Moves the clock forward by `duration`, running every timer tick that
    /// falls due meanwhile, in time order, each to its end (through the
    /// plugin's `on_timer`, as a host runs it), before it returns.
    ///
    /// ```swift
    /// harness.advance(by: .milliseconds(30))   // a 10 ms timer ticks 3 times
    /// #expect(harness.ticks(of: "tick") == 3)
    /// ```
    /// A tick that throws is logged by the SDK (see ``logs``) and the timer
    /// goes on. Nothing ticks once the plugin is stopped.
    public func advance(by duration: Duration) {
        ticking.locked {
            let target = lock.locked { state.clock.now + max(duration, .zero) }
            while let (instance, index) = lock.locked({ () -> (UnsafeMutableRawPointer, Int)? in
                guard state.running, let instance = state.instance, let index = state.clock.nextTick(until: target) else { return nil }
                return (instance, index)
            }) {
                descriptor.pointer.pointee.on_timer?(instance, UInt32(index))
            }
            lock.locked { state.clock.now = max(state.clock.now, target) }
        }
    }

    /// How many ticks of timer `id` ran so far; 0 for an unknown timer.
    public func ticks(of id: String) -> Int {
        guard let index = timerIndex(id) else { return 0 }
        return lock.locked { state.clock.ticks[index] }
    }

    /// Whether timer `id` is running (an auto-start timer runs from the start).
    public func isTimerRunning(_ id: String) -> Bool {
        guard let index = timerIndex(id) else { return false }
        return lock.locked { state.clock.isRunning(index) }
    }

    /// Starts timer `id` (as `nekoctl timer start` does): it ticks first one
    /// interval from ``now``. A running timer is left as it is.
    /// - Throws: `not_found` for an unknown timer; `unavailable` after `stop()`.
    public func startTimer(_ id: String) throws {
        let index = try knownTimer(id)
        try lock.locked {
            guard state.running else { throw CallError(.unavailable, "plugin '\(manifest.id)' is not running") }
            state.clock.start([index])
        }
    }

    /// Stops timer `id`; a tick in progress ends first.
    /// - Throws: `not_found` for an unknown timer.
    public func stopTimer(_ id: String) throws {
        let index = try knownTimer(id)
        ticking.locked { lock.locked { state.clock.stop(index) } }
    }

    private func timerIndex(_ id: String) -> Int? {
        descriptor.timers.firstIndex { $0.id == id }
    }

    private func knownTimer(_ id: String) throws -> Int {
        guard let index = timerIndex(id) else {
            let known = descriptor.timers.map(\.id)
            throw CallError(.notFound, "plugin '\(manifest.id)' has no timer '\(id)'" + (known.isEmpty ? " (it has none)" : " (it has \(known.joined(separator: ", ")))"))
        }
        return index
    }
}
