import NekoCore

/// Turns the JSON bytes of a call into an entry's typed arguments, checking
/// them against the entry's schema on the way.
///
/// The schema (derived from `Arguments`, or declared) is compiled once, when
/// the entry is made. Each call parses the bytes, checks the tree against it
/// (every failing field is reported at once), then decodes the tree.
@usableFromInline struct ArgumentReader<Arguments: Decodable & SendableMetatype>: Sendable {
    /// The schema shown to callers.
    @usableFromInline let schema: JSON
    /// The compiled schema; `nil` only when it did not compile (then `problem` says why).
    private let validator: JSONSchemaValidator?
    /// What is wrong with the declaration, if anything; the plugin refuses to
    /// start with this message rather than run with a schema it did not mean.
    @usableFromInline let problem: String?

    /// - Parameter unknownKeys: for a derived schema, whether keys that
    ///   `Arguments` does not read are refused; a declared schema says so
    ///   itself, with `additionalProperties`.
    @usableFromInline init(entry: String, schema text: String?, unknownKeys: UnknownKeys) {
        var problem: String? = nil
        var schema = JSONSchema.derived(from: Arguments.self, unknownKeys: unknownKeys)
        if let text {
            do { schema = try JSON.parse(text) } catch {
                problem = "entry '\(entry)': the declared schema is not valid JSON: \(error)"
            }
        }
        self.schema = schema
        do {
            validator = try JSONSchemaValidator(schema)
        } catch {
            validator = nil
            problem = problem ?? "entry '\(entry)': the arguments schema is invalid: \(error)"
        }
        self.problem = problem
    }

    /// Reads the arguments; an empty buffer reads as `{}`.
    /// - Throws: a `CallError` with code `invalid_argument` whose `field` is
    ///   the first failing field and whose message lists every one.
    @usableFromInline func read(_ bytes: UnsafeRawBufferPointer) throws(CallError) -> sending Arguments {
        do {
            let tree = bytes.isEmpty ? JSON.object([:]) : try JSON.parse(bytes)
            if let validator {
                let violations = validator.violations(of: tree)
                if !violations.isEmpty {
                    let error = ArgumentError(violations)
                    throw CallError(.invalidArgument, error.message, field: error.field)
                }
            }
            return try NekoJSONDecoder().decode(Arguments.self, from: tree)
        } catch let error as CallError {
            throw error
        } catch {
            let argument = ArgumentError(error)
            throw CallError(.invalidArgument, argument.message, field: argument.field)
        }
    }
}
