import NekoCore

/// How a ``StatefulPlugin``'s state goes from one generation to the next:
/// saved as `{"state_version": 2, "state": {...}}`, and on the other side
/// migrated (an older version), completed with the new generation's defaults
/// (fields it added), checked against `State` (every field at fault at once),
/// and decoded.
///
/// A state saved before state versions (the bare `State` JSON) reads as
/// version 1.
enum StateHandover {
    /// The envelope's keys.
    static let versionKey = "state_version"
    static let stateKey = "state"

    /// The state of `plugin`, with its version, as JSON bytes.
    static func save<S: StatefulPlugin>(_ plugin: S) throws -> [UInt8] {
        let state = try NekoJSONEncoder().encodeJSON(plugin.saveState())
        let envelope: JSONObject = [versionKey: .int(Int64(S.stateVersion)), stateKey: state]
        return JSON.object(envelope).serialized()
    }

    /// Hands the state the previous generation saved to `plugin` (not yet started).
    /// - Throws: a `CallError` that names the plugin and says what does not
    ///   fit: the version, the migration's error, or every field at fault.
    static func restore<S: StatefulPlugin>(_ bytes: UnsafeRawBufferPointer, into plugin: S, pluginID: String) throws(CallError) {
        let subject = "plugin '\(pluginID)': the state the running generation saved"
        let saved: JSON
        do { saved = try JSON.parse(bytes) } catch {
            throw CallError(.invalidArgument, "\(subject) is not JSON: \(error)")
        }
        var (version, state) = unwrap(saved)
        guard version <= S.stateVersion else {
            throw CallError(.invalidArgument, "\(subject) is version \(version) of \(S.State.self), newer than this build's \(S.stateVersion): an older build cannot read it")
        }
        if version < S.stateVersion {
            do { state = try plugin.migrateState(state, from: version) } catch {
                throw CallError(.invalidArgument, "\(subject) (version \(version)) did not migrate to version \(S.stateVersion): \(error)")
            }
        }
        let schema = JSONSchema.derived(from: S.State.self, unknownKeys: .ignored)
        // What the new generation starts with: the defaults of the fields the saved state lacks.
        if let fresh = try? NekoJSONEncoder().encodeJSON(plugin.saveState()) {
            state = filling(state, from: fresh, schema: schema)
        }
        let advice = "add a default, or raise stateVersion and migrate it in migrateState(_:from:)"
        if let validator = try? JSONSchemaValidator(schema) {
            let violations = validator.violations(of: state, naming: "field")
            if !violations.isEmpty {
                let error = ArgumentError(violations)
                throw CallError(.invalidArgument, "\(subject) does not fit \(S.State.self) (version \(S.stateVersion)): \(error.message) (\(advice))", field: error.field)
            }
        }
        let decoded: S.State
        do { decoded = try NekoJSONDecoder().decode(S.State.self, from: state) } catch let error as DecodingError {
            let problem = ArgumentError(error, naming: "field")
            throw CallError(.invalidArgument, "\(subject) does not fit \(S.State.self) (version \(S.stateVersion)): \(problem.message) (\(advice))", field: problem.field)
        } catch {
            throw CallError(.invalidArgument, "\(subject) does not fit \(S.State.self): \(error)")
        }
        do { try plugin.restoreState(decoded) } catch let error as CallError {
            throw error
        } catch {
            throw CallError(.executionFailed, "plugin '\(pluginID)': restoreState refused the state: \(error)")
        }
    }

    /// The version and the state of what was saved: an envelope, or a bare
    /// state (version 1).
    static func unwrap(_ saved: JSON) -> (version: Int, state: JSON) {
        if case .object(let object) = saved, object.count == 2, let version = object[versionKey]?.intValue, let state = object[stateKey] {
            return (version, state)
        }
        return (1, saved)
    }

    /// `saved`, with each member that `schema` lists as a property of an
    /// object and `saved` lacks taken from `fresh`, recursively through
    /// nested objects. Arrays and dictionaries (no `properties`) are left as
    /// saved: their elements have no defaults to take.
    static func filling(_ saved: JSON, from fresh: JSON, schema: JSON) -> JSON {
        guard case .object(var object) = saved, case .object(let defaults) = fresh,
              case .object(let properties)? = schema["properties"] else { return saved }
        for property in properties {
            if let value = object[property.key] {
                if let inner = defaults[property.key] {
                    object[property.key] = filling(value, from: inner, schema: property.value)
                }
            } else if let value = defaults[property.key] {
                object[property.key] = value
            }
        }
        return .object(object)
    }
}
