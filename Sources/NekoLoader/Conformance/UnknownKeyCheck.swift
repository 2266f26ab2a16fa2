@_spi(Neko) import NekoCore

/// Each entry survives an argument its schema does not declare: refused with
/// invalid_argument naming it when the schema says `additionalProperties:
/// false`, else answered (or refused: a strict plugin may), never a crash.
struct UnknownKeyCheck: ConformanceCheck {
    let name = "unknown-key"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            guard !session.entries.isEmpty else { return skip("no entry to call") }
            let key = ArgumentGenerator.unknownKey
            for entry in session.entries {
                let arguments = ArgumentGenerator.valid(entry.schema).setting(key, to: true)
                let outcome = session.call(entry, arguments, timeout: subject.callTimeout)
                let problem = ArgumentGenerator.refusesUnknownKeys(entry.schema)
                    ? InvalidArgumentsCheck.problem(outcome, naming: key)
                    : Self.breakage(outcome)
                if let problem { return fail("entry '\(entry.id)' with unknown key '\(key)': \(problem)") }
            }
            return pass("\(session.entries.count) entries given '\(key)': none crashed")
        }
    }

    /// A crash or an internal error, or nil (a strict plugin may refuse the key).
    private static func breakage(_ outcome: Result<[UInt8], CallError>) -> String? {
        if case .failure(let error) = outcome, error.isBreakage { return error.summary }
        return nil
    }
}
