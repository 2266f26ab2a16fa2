@_spi(Neko) import NekoCore
import Synchronization

extension PluginHost {
    /// Blocks until the status of plugin `id` satisfies `condition`, or
    /// `timeout` passes.
    ///
    /// For an application (or a test) that must act once a plugin reaches a
    /// state the host moves it to on its own: back after a crash, given up on
    /// after too many crashes, loaded by another thread's first call.
    ///
    /// ```swift
    /// let back = host.waitForPlugin("crashy", timeout: .seconds(10)) { $0.state == .loaded && $0.restarts >= 1 }
    /// ```
    ///
    /// `condition` is checked now, then after each state change (each move
    /// of the state machine, which also counts a restart), never by polling:
    /// a condition on other fields (calls served, ...) is only checked then.
    /// It runs on this thread, outside the host's locks. Do not call this
    /// from a plugin's lifecycle hook: the change it waits for may need the
    /// lifecycle lock that the hook's caller holds.
    ///
    /// - Parameters:
    ///   - id: The plugin id, eg `"crashy"`. A plugin no folder provides
    ///     (yet) is waited for too.
    ///   - timeout: How long to wait at most.
    ///   - condition: What the status must show.
    /// - Returns: The first status seen that satisfies `condition`, or nil
    ///   when `timeout` passed first.
    public func waitForPlugin(_ id: String, timeout: Duration = .seconds(30), until condition: (PluginStatus) -> Bool) -> PluginStatus? {
        let deadline = ContinuousClock.now + timeout
        while true {
            // Read the count before the status: a change after the read wakes the wait below.
            let seen = StatusChanges.shared.count
            if let status = plugin(id), condition(status) { return status }
            guard StatusChanges.shared.wait(after: seen, until: deadline) else {
                return plugin(id).flatMap { condition($0) ? $0 : nil }
            }
        }
    }

    /// A number that grows with every state change of a plugin (a load, a
    /// reload, an unload, a crash and its restart): read it, look at the
    /// plugins, then ``waitForChange(after:timeout:)`` for the next change.
    /// Counted for every host of the process together (see `StatusChanges`):
    /// a change of another host's plugin wakes a waiter too.
    public var changeCount: UInt64 {
        StatusChanges.shared.count
    }

    /// Blocks until ``changeCount`` has moved past `seen`, or `timeout`
    /// passes. Woken by the change, never by polling (`nekoctl mcp` tells
    /// its client that the tool list changed).
    /// - Returns: whether a change came.
    public func waitForChange(after seen: UInt64, timeout: Duration) -> Bool {
        StatusChanges.shared.wait(after: seen, until: ContinuousClock.now + timeout)
    }

    /// How many ticks of interval timer `timer` of loaded plugin `plugin`
    /// have ended, in its running instance (a reload or a restart makes a
    /// new instance, which counts from 0).
    ///
    /// - Throws: `not_found` naming the plugin or the timer, or `unavailable`.
    public func timerTicks(_ plugin: String, _ timer: String) throws(CallError) -> Int {
        let (runner, index) = try timerRunner(plugin, timer)
        return runner.ticks(index)
    }

    /// Blocks until interval timer `timer` of loaded plugin `plugin` has
    /// ended `count` ticks in its running instance (see
    /// ``timerTicks(_:_:)``), or `timeout` passes.
    ///
    /// ```swift
    /// try host.startTimer("thread_safe", "tick")
    /// let ticked = try host.waitForTimer("thread_safe", "tick", ticks: try host.timerTicks("thread_safe", "tick") + 1)
    /// ```
    ///
    /// A tick has ended when the plugin's `on_timer` returned (for an
    /// isolated plugin, when its worker answered). Woken by each tick, never
    /// by polling. A stopped timer, or an instance replaced meanwhile,
    /// ends no more ticks: the wait then runs to `timeout`.
    ///
    /// - Returns: whether `count` ticks had ended before `timeout`.
    /// - Throws: `not_found` naming the plugin or the timer, or `unavailable`.
    public func waitForTimer(_ plugin: String, _ timer: String, ticks count: Int, timeout: Duration = .seconds(30)) throws(CallError) -> Bool {
        let (runner, index) = try timerRunner(plugin, timer)
        return runner.waitForTicks(index, atLeast: count, until: ContinuousClock.now + timeout)
    }

    private func timerRunner(_ plugin: String, _ timer: String) throws(CallError) -> (TimerRunner, Int) {
        let loaded = try running(plugin)
        guard let index = loaded.timers.index(of: timer) else {
            throw CallError(.notFound, "plugin '\(plugin)' has no timer '\(timer)' (it has: \(loaded.library.timers.map(\.id).joined(separator: ", ")))")
        }
        return (loaded.timers, index)
    }
}

/// Wakes the callers of ``PluginHost/waitForPlugin(_:timeout:until:)``:
/// `Registry.Record.move(to:logger:)` signals it after every state change.
///
/// One for the whole process, not one per host: a record has no way back to
/// its host, and state changes are rare (loads, reloads, crashes), so a
/// waiter woken by another host's change just checks again.
final class StatusChanges: Sendable {
    static let shared = StatusChanges()

    private let changes = Atomic<UInt64>(0)
    private let condition = LockAndCondition()

    /// How many changes so far.
    var count: UInt64 {
        changes.load(ordering: .acquiring)
    }

    /// A state changed. Called with the registry lock held: the lock order
    /// is the registry's, then this condition's; a waiter never takes the
    /// registry lock while it holds this condition's.
    func signal() {
        changes.add(1, ordering: .releasing)
        condition.notifyAll()
    }

    /// Waits until `count` has moved past `seen`, or `deadline` passes.
    /// - Returns: whether it moved.
    func wait(after seen: UInt64, until deadline: ContinuousClock.Instant) -> Bool {
        condition.wait(until: deadline) { changes.load(ordering: .acquiring) != seen }
    }
}
