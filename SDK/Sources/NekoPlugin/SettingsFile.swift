#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import NekoCore
import Synchronization

/// A plugin's settings: `config.json` beside its `plugin.toml`, typed (the
/// N.E.K.O custom-config pattern, with types).
///
/// Settings are what changes while the plugin runs, by the plugin itself or
/// by the host; a plugin's *config*, its own tables of `plugin.toml`, is
/// read-only and comes from ``PluginContext/config``.
///
/// ```swift
/// struct Settings: Codable, Sendable { var timeout = 30 }
/// let settings = try context.settingsFile(default: Settings()) { old, new in
///     guard new.timeout > 0 else { throw CallError.invalidArgument("timeout", "must be positive") }
/// }
/// settings.value.timeout                     // 30 until changed
/// try settings.update { $0.timeout = 60 }    // saved atomically
/// ```
/// Keys missing from the file take their default. A file that is not valid
/// JSON, a key of the wrong type, or a key `Value` does not have (a typo:
/// `unexpected key 'timout' (did you mean 'timeout'?)`) is an error that
/// names the file and every key at fault. The plugin (``update(_:)``) and the
/// host (`nekoctl settings`) change the settings the same way: the change hook
/// sees the old and the new value, and if it throws, or the file cannot be
/// written, nothing changes. The host's change is checked like the file, and
/// a hook's `CallError` for a field is reported naming it
/// (`key 'timeout': must be positive`).
public final class SettingsFile<Value: Codable & Sendable>: Sendable {
    /// Where the settings live: `config.json` in the plugin's folder.
    public let path: String
    private let current: Mutex<Value>
    private let defaults: JSON
    /// The keys `Value` has, and their types: checks the file and the host's changes.
    private let validator: JSONSchemaValidator?
    private let onChange: (@Sendable (Value, Value) throws -> Void)?

    init(path: String, default value: Value, onChange: (@Sendable (Value, Value) throws -> Void)?) throws(CallError) {
        self.path = path
        self.onChange = onChange
        do { defaults = try NekoJSONEncoder().encodeJSON(value) } catch {
            throw CallError(.internal, "cannot encode the default settings of \(Value.self): \(error)")
        }
        validator = try? JSONSchemaValidator(JSONSchema.derived(from: Value.self))
        current = Mutex(try Self.load(path, over: defaults, checkedBy: validator))
    }

    /// The settings now.
    public var value: Value {
        current.withLock { $0 }
    }

    /// Changes the settings: runs `change` on a copy, then the change hook
    /// with the old and the new value, then saves the new value durably
    /// (see ``AtomicFile``). Nothing changes, in memory or on disk, if any
    /// step throws.
    ///
    /// - Throws: what `change` or the change hook throws; a `CallError`
    ///   naming the file and the cause (`No space left on device`, say) when
    ///   it cannot be written.
    public func update(_ change: (inout Value) throws -> Void) throws {
        try current.withLock { value in
            var changed = value
            try change(&changed)
            try onChange?(value, changed)
            try save(changed)
            value = changed
        }
    }

    // MARK: - The host's side (the settings extension, neko.plugin.config/1)

    /// The settings as JSON bytes.
    func read() throws -> [UInt8] {
        try NekoJSONEncoder().encode(value)
    }

    /// Merges `patch` (a JSON object) over the settings, runs the change hook,
    /// saves. Nothing changes if any step fails.
    func change(_ patch: JSON) throws {
        guard case .object = patch else {
            throw CallError(.invalidArgument, "a settings change must be a JSON object, got \(patch.typeName)")
        }
        try current.withLock { value in
            let merged = try NekoJSONEncoder().encodeJSON(value).merging(patch)
            try Self.check(merged, path: path, with: validator)
            let changed: Value
            do { changed = try NekoJSONDecoder().decode(Value.self, from: merged) } catch let error as DecodingError {
                let problem = ArgumentError(error, naming: "key")
                throw CallError(.invalidArgument, "\(path): \(problem.message)", field: problem.field)
            }
            do { try onChange?(value, changed) } catch let error as CallError {
                throw Self.naming(error, in: path)
            }
            try save(changed)
            value = changed
        }
    }

    /// A hook's refusal as the host shows it: the C ABI carries only the
    /// message, so a `field` the hook gave goes into it (`key 'timeout': must be
    /// positive`), unless the message quotes it already.
    private static func naming(_ error: CallError, in path: String) -> CallError {
        guard let field = error.field, !error.message.contains("'\(field)'") else { return error }
        return CallError(error.code, "\(path): key '\(field)': \(error.message)", field: field)
    }

    /// Refuses settings with keys `Value` does not have, or of the wrong type,
    /// naming every one.
    private static func check(_ settings: JSON, path: String, with validator: JSONSchemaValidator?) throws(CallError) {
        guard let violations = validator?.violations(of: settings, naming: "key"), !violations.isEmpty else { return }
        let error = ArgumentError(violations)
        throw CallError(.invalidArgument, "\(path): \(error.message)", field: error.field)
    }

    // MARK: - The file

    private static func load(_ path: String, over defaults: JSON, checkedBy validator: JSONSchemaValidator?) throws(CallError) -> Value {
        var merged = defaults
        if let bytes = FileManager.default.contents(atPath: path) {
            let stored: JSON
            do { stored = try JSON.parse(Array(bytes)) } catch {
                throw CallError(.invalidArgument, "\(path): not valid JSON: \(error)")
            }
            guard case .object = stored else {
                throw CallError(.invalidArgument, "\(path): expected a JSON object of settings, got \(stored.typeName)")
            }
            merged = defaults.merging(stored)
            try check(merged, path: path, with: validator)
        } else if access(path, F_OK) == 0 {
            throw CallError(.unavailable, "\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        do {
            return try NekoJSONDecoder().decode(Value.self, from: merged)
        } catch let error as DecodingError {
            let problem = ArgumentError(error, naming: "key")
            throw CallError(.invalidArgument, "\(path): \(problem.message)", field: problem.field)
        } catch {
            throw CallError(.invalidArgument, "\(path): \(error)")
        }
    }

    private func save(_ value: Value) throws {
        let text = try NekoJSONEncoder().encodeJSON(value).prettyPrinted() + "\n"
        try AtomicFile.write(Array(text.utf8), to: path)
    }
}

extension JSON {
    /// `patch` merged over this value: objects merge key by key, recursively;
    /// anything else in `patch` replaces what is here.
    func merging(_ patch: JSON) -> JSON {
        guard case .object(var base) = self, case .object(let changes) = patch else { return patch }
        for (key, value) in changes {
            base[key] = base[key].map { $0.merging(value) } ?? value
        }
        return .object(base)
    }
}
