#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import NekoCore
import Synchronization

/// A plugin's own settings, typed, stored as `config.json` beside its
/// `plugin.toml` (the N.E.K.O custom-config pattern, with types).
///
/// ```swift
/// struct Settings: Codable, Sendable { var timeout = 30 }
/// let settings = try context.configFile(default: Settings()) { old, new in
///     guard new.timeout > 0 else { throw PluginError.invalidArgument("timeout", "must be positive") }
/// }
/// settings.value.timeout                     // 30 until changed
/// try settings.update { $0.timeout = 60 }    // saved atomically
/// ```
/// Keys missing from the file take their default; a file that is not valid
/// JSON, or a key of the wrong type, is an error that names the file and the
/// key. The plugin (``update(_:)``) and the host (`nekoctl config`) change the
/// settings the same way: the change hook sees the old and the new value, and
/// if it throws, or the file cannot be written, nothing changes.
public final class ConfigFile<Value: Codable & Sendable>: Sendable {
    /// Where the settings live: `config.json` in the plugin's folder.
    public let path: String
    private let current: Mutex<Value>
    private let defaults: JSON
    private let onChange: (@Sendable (Value, Value) throws -> Void)?

    init(path: String, default value: Value, onChange: (@Sendable (Value, Value) throws -> Void)?) throws(PluginError) {
        self.path = path
        self.onChange = onChange
        do { defaults = try NekoJSONEncoder().encodeJSON(value) } catch {
            throw PluginError(.internal, "cannot encode the default settings of \(Value.self): \(error)")
        }
        current = Mutex(try Self.load(path, over: defaults))
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
    /// - Throws: what `change` or the change hook throws; a `PluginError`
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

    // MARK: - The host's side (extension neko.plugin.config/1)

    /// The settings as JSON bytes.
    func read() throws -> [UInt8] {
        try NekoJSONEncoder().encode(value)
    }

    /// Merges `patch` (a JSON object) over the settings, runs the change hook,
    /// saves. Nothing changes if any step fails.
    func change(_ patch: JSON) throws {
        guard case .object = patch else {
            throw PluginError(.invalidArgument, "a settings change must be a JSON object, got \(patch.typeName)")
        }
        try current.withLock { value in
            let merged = try NekoJSONEncoder().encodeJSON(value).merging(patch)
            let changed: Value
            do { changed = try NekoJSONDecoder().decode(Value.self, from: merged) } catch let error as DecodingError {
                let problem = ArgumentError(error, naming: "key")
                throw PluginError(.invalidArgument, "\(path): \(problem.message)", field: problem.field)
            }
            try onChange?(value, changed)
            try save(changed)
            value = changed
        }
    }

    // MARK: - The file

    private static func load(_ path: String, over defaults: JSON) throws(PluginError) -> Value {
        var merged = defaults
        if let bytes = FileManager.default.contents(atPath: path) {
            let stored: JSON
            do { stored = try JSON.parse(Array(bytes)) } catch {
                throw PluginError(.invalidArgument, "\(path): not valid JSON: \(error)")
            }
            guard case .object = stored else {
                throw PluginError(.invalidArgument, "\(path): expected a JSON object of settings, got \(stored.typeName)")
            }
            merged = defaults.merging(stored)
        } else if access(path, F_OK) == 0 {
            throw PluginError(.unavailable, "\(path): cannot read: \(String(cString: strerror(errno)))")
        }
        do {
            return try NekoJSONDecoder().decode(Value.self, from: merged)
        } catch let error as DecodingError {
            let problem = ArgumentError(error, naming: "key")
            throw PluginError(.invalidArgument, "\(path): \(problem.message)", field: problem.field)
        } catch {
            throw PluginError(.invalidArgument, "\(path): \(error)")
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

/// Writes a file so that readers see the old content or the new, never half,
/// and the new content survives a power cut once `write` returns.
///
/// The steps: write a temporary file beside the target, `fsync` it, rename it
/// over the target, `fsync` the folder (so the rename itself is on disk). An
/// error at any step (a full disk, a folder that is not one) throws, naming
/// the file and the cause, and removes the temporary file; the target is then
/// untouched.
enum AtomicFile {
    static func write(_ bytes: [UInt8], to path: String) throws(PluginError) {
        let temporary = "\(path).tmp-\(getpid())"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure(temporary, "cannot create") }
        do throws(PluginError) {
            var written = 0
            while written < bytes.count {
                let count = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + written, $0.count - written) }
                if count < 0 && errno == EINTR { continue }
                guard count > 0 else { throw failure(temporary, "cannot write") }
                written += count
            }
            guard fsync(fd) == 0 else { throw failure(temporary, "cannot flush to disk") }
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        guard close(fd) == 0 else {
            let error = failure(temporary, "cannot write")
            unlink(temporary)
            throw error
        }
        guard rename(temporary, path) == 0 else {
            let error = failure(path, "cannot replace")
            unlink(temporary)
            throw error
        }
        try syncFolder(of: path)
    }

    /// `fsync` of the folder holding `path`, so that a rename in it is durable.
    private static func syncFolder(of path: String) throws(PluginError) {
        let folder = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let fd = open(folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw failure(folder, "cannot open the folder to flush it") }
        defer { close(fd) }
        guard fsync(fd) == 0 else { throw failure(folder, "cannot flush the folder to disk") }
    }

    /// `<path>: <what>: <strerror(errno)>`, read before anything else can change `errno`.
    private static func failure(_ path: String, _ what: String) -> PluginError {
        PluginError(.executionFailed, "\(path): \(what): \(String(cString: strerror(errno)))")
    }
}
