import NekoCore

/// The JSON Schema of an entry's result: declared as JSON text, or derived
/// from the result type when it is also `Decodable`, or not known.
@usableFromInline struct ResultSchema: Sendable {
    /// The schema, or nil when it is not known.
    let schema: JSON?
    /// The declared text, when it is not valid JSON or not a valid schema.
    private let declaredError: String?

    /// The schema of `Result`: `declared` when given, else derived.
    @usableFromInline init<Result>(_ type: Result.Type, declared: String?) {
        if declared != nil {
            self.init(declared: declared)
        } else {
            self.init(derived: (Result.self as? any Decodable.Type).map { JSONSchema.derivedValue(of: $0) })
        }
    }

    private init(derived: JSON?) {
        (schema, declaredError) = (derived, nil)
    }

    /// A declared schema (nil: none).
    @usableFromInline init(declared text: String?) {
        guard let text else {
            (schema, declaredError) = (nil, nil)
            return
        }
        do {
            let parsed = try JSON.parse(text)
            _ = try JSONSchemaValidator(parsed)
            (schema, declaredError) = (parsed, nil)
        } catch let error as JSONSchemaError {
            (schema, declaredError) = (nil, "the result schema is invalid: \(error)")
        } catch {
            (schema, declaredError) = (nil, "the declared result schema is not valid JSON: \(error)")
        }
    }

    /// What is wrong with the declaration, naming `entry`; nil when nothing.
    func problem(entry: String) -> String? {
        declaredError.map { "entry '\(entry)': \($0)" }
    }
}
