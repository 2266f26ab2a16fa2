@_spi(Neko) import NekoCore

/// Each entry, called with arguments made from its schema, answers a JSON
/// result or an error of its own choosing, never a crash; a result matches
/// the entry's result schema, when it declares one (ABI 1.1).
struct ValidArgumentsCheck: ConformanceCheck {
    let name = "valid-arguments"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            guard !session.entries.isEmpty else { return skip("no entry to call") }
            var codes: [String: Int] = [:]
            for entry in session.entries {
                let arguments = ArgumentGenerator.valid(entry.schema)
                let outcome = session.call(entry, arguments, timeout: subject.callTimeout)
                if let problem = OutcomeJudgement.problem(outcome, entry: entry.id, arguments: arguments) { return fail(problem) }
                if let problem = Self.resultProblem(outcome, entry: entry, arguments: arguments) { return fail(problem) }
                codes[outcome.codeName, default: 0] += 1
            }
            return pass("\(session.entries.count) entries: " + codes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
    }

    /// Why an ok result breaks the entry's result schema, or nil.
    static func resultProblem(_ outcome: Result<[UInt8], CallError>, entry: EntryInfo, arguments: JSON) -> String? {
        guard case .success(let bytes) = outcome, let schema = entry.resultSchema, let validator = try? JSONSchemaValidator(schema) else { return nil }
        guard let value = bytes.isEmpty ? JSON.null : try? JSON.parse(bytes) else { return nil }  // OutcomeJudgement judged non-JSON
        let violations = validator.violations(of: value)
        guard let first = violations.first else { return nil }
        return "entry '\(entry.id)' called with \(arguments.serializedText) answered \(value.serializedText.prefix(200)), which breaks its result_schema at \(first.path.map { "'\($0)'" } ?? "the top"): expected \(first.expected), got \(first.found ?? "nothing") (\(first.keyword))"
    }
}

extension Result where Success == [UInt8], Failure == CallError {
    /// "ok", or the error code's name.
    var codeName: String {
        switch self {
        case .success: "ok"
        case .failure(let error): error.code.name
        }
    }
}
