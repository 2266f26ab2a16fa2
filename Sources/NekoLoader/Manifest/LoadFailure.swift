/// The step of bringing a plugin up that failed.
///
/// The steps run in this order; a plugin that fails one never reaches the
/// next, and the host lists it with the step that stopped it.
public enum LoadPhase: String, Sendable, Codable, CaseIterable {
    /// Reading and validating `plugin.toml` (and finding the library file it names).
    case manifest
    /// Checking the plugins it depends on: installed, enabled, loadable, no cycle.
    case dependencies
    /// Opening the shared library (`dlopen`) and finding its register symbol.
    case open
    /// Checking the ABI version: the manifest's before opening, the library's after.
    case abi
    /// Calling the register function and checking the descriptor it returns.
    case register
    /// Creating the plugin instance and running its `start` hook.
    case startup
}

/// Why a plugin is not running: the phase that failed and a message that
/// names the file, field or entry and what was expected.
///
/// Messages follow SQLite's habit: what failed and why, with the object's
/// name, eg `/srv/plugins/hello/plugin.toml: [plugin].version = "1.x":
/// expected a semantic version like "1.2.0"`.
public struct LoadFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// The step that failed, eg `.manifest`.
    public let phase: LoadPhase
    /// What failed and why, naming the file, field or entry; no trailing period.
    public let message: String

    /// Makes a failure of `phase` with `message`.
    ///
    /// - Parameters:
    ///   - phase: The step that failed.
    ///   - message: What failed and why, eg `.../plugin.toml: missing required field [plugin].name (a string)`.
    public init(_ phase: LoadPhase, _ message: String) {
        self.phase = phase
        self.message = message
    }

    /// The phase and the message, eg `manifest: /srv/plugins/hello/plugin.toml: ...`.
    public var description: String { "\(phase): \(message)" }
}
