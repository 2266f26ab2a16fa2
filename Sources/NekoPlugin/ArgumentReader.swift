import NekoCore

/// Turns the JSON bytes of a call into an entry's typed arguments, checking
/// them against the entry's schema on the way.
///
/// With a derived schema, decoding is the validation: the schema and the
/// decoder come from the same type. A declared schema is checked first.
@usableFromInline struct ArgumentReader<Arguments: Decodable>: Sendable {
    /// The schema shown to callers.
    @usableFromInline let schema: JSON
    /// The declared schema to enforce, if the entry gave one.
    private let declared: JSON?
    /// What is wrong with the declaration, if anything; the plugin refuses to
    /// start with this message rather than run with a schema it did not mean.
    @usableFromInline let problem: String?

    @usableFromInline init(entry: String, schema text: String?) {
        guard let text else {
            schema = JSONSchema.derived(from: Arguments.self)
            declared = nil
            problem = nil
            return
        }
        do {
            let parsed = try JSON.parse(text)
            schema = parsed
            declared = parsed
            problem = nil
        } catch {
            schema = JSONSchema.derived(from: Arguments.self)
            declared = nil
            problem = "entry '\(entry)': the declared schema is not valid JSON: \(error)"
        }
    }

    /// Reads the arguments; an empty buffer reads as `{}`.
    /// - Throws: a `PluginError` with code `invalid_argument` naming the field.
    @usableFromInline func read(_ bytes: UnsafeRawBufferPointer) throws(PluginError) -> Arguments {
        do {
            if declared == nil && !bytes.isEmpty {
                return try NekoJSONDecoder().decode(Arguments.self, from: bytes)
            }
            let tree = bytes.isEmpty ? JSON.object([:]) : try JSON.parse(bytes)
            if let declared, let violation = JSONSchema.validate(tree, against: declared) {
                throw PluginError(.invalidArgument, violation.message, field: violation.field)
            }
            return try NekoJSONDecoder().decode(Arguments.self, from: tree)
        } catch let error as PluginError {
            throw error
        } catch let error as DecodingError {
            let argument = ArgumentError(error)
            throw PluginError(.invalidArgument, argument.message, field: argument.field)
        } catch let error as ArgumentError {
            throw PluginError(.invalidArgument, error.message, field: error.field)
        } catch {
            throw PluginError(.invalidArgument, "arguments are not valid JSON: \(error)")
        }
    }
}
