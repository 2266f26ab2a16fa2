/// A plugin whose state survives a hot reload (the N.E.K.O freeze/unfreeze).
///
/// When the host reloads the plugin, the old generation's `saveState()` runs
/// once its calls have drained, and the new generation's `restoreState(_:)`
/// runs before its `startup()`. The state travels as JSON, with its
/// ``stateVersion``, so a newer build may change its `State`:
///
/// - **Add a field**: it takes the value the new generation starts with (what
///   its `saveState()` returns before any restore: the property's default).
///   This holds in nested structs too, but not inside an array or a
///   dictionary: a field added there needs an optional or a migration.
/// - **Drop a field**: its saved value is ignored.
/// - **Anything harder** (a rename, a changed type): raise ``stateVersion``
///   and turn the older JSON into the new shape in ``migrateState(_:from:)``.
///
/// A saved state that still does not fit `State` refuses the reload, naming
/// the plugin and every field at fault; the old generation serves on.
///
/// ```swift
/// extension Counter: StatefulPlugin {
///     static let stateVersion = 2                 // 1 called `total` `count`
///     func saveState() -> State { shared.withLock { $0 } }
///     func restoreState(_ state: State) { shared.withLock { $0 = state } }
///     func migrateState(_ saved: JSON, from version: Int) throws -> JSON {
///         guard version < 2, var state = saved.objectValue else { return saved }
///         state["total"] = state.removeValue(forKey: "count")
///         return .object(state)
///     }
/// }
/// ```
public protocol StatefulPlugin: Plugin {
    /// What one generation hands to the next.
    associatedtype State: Codable & Sendable

    /// The version of `State`'s shape, saved with it, eg `2`; 1 unless said.
    /// Raise it when a change needs ``migrateState(_:from:)``.
    static var stateVersion: Int { get }

    /// The state to hand over. No call is running while it is read.
    func saveState() throws -> State

    /// Takes over what the previous generation saved, before `startup()`.
    /// A thrown error refuses the reload: the old generation keeps serving.
    func restoreState(_ state: State) throws

    /// Turns the JSON of a state that a build of an older ``stateVersion``
    /// saved into this build's shape; runs only when `version` is older than
    /// ``stateVersion``. Fields still missing afterwards take their defaults.
    /// A thrown error refuses the reload. By default the JSON is unchanged.
    /// - Parameters:
    ///   - saved: the state as the older build saved it, eg `{"count": 3}`.
    ///   - version: its version, eg `1` (a build before state versions: 1).
    func migrateState(_ saved: JSON, from version: Int) throws -> JSON
}

// MARK: - Default implementations

extension StatefulPlugin {
    /// Version 1: the shape has not changed in a way that needs a migration.
    public static var stateVersion: Int { 1 }

    /// The saved JSON, unchanged.
    public func migrateState(_ saved: JSON, from version: Int) throws -> JSON { saved }
}
