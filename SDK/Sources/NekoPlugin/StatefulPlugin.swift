/// A plugin whose state survives a hot reload (the N.E.K.O freeze/unfreeze).
///
/// When the host reloads the plugin, the old generation's `saveState()` runs
/// once its calls have drained, and the new generation's `restoreState(_:)`
/// runs before its `startup()`. The state travels as JSON, so a newer build
/// can add fields with defaults.
///
/// ```swift
/// extension Counter: StatefulPlugin {
///     func saveState() -> State { shared.withLock { $0 } }
///     func restoreState(_ state: State) { shared.withLock { $0 = state } }
/// }
/// ```
public protocol StatefulPlugin: Plugin {
    /// What one generation hands to the next.
    associatedtype State: Codable & Sendable

    /// The state to hand over. No call is running while it is read.
    func saveState() throws -> State

    /// Takes over what the previous generation saved, before `startup()`.
    /// A thrown error refuses the reload: the old generation keeps serving.
    func restoreState(_ state: State) throws
}
