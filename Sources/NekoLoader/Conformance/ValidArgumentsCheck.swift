import NekoCore

/// Each entry, called with arguments made from its schema, answers a JSON
/// result or an error of its own choosing, never a crash.
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
                codes[outcome.codeName, default: 0] += 1
            }
            return pass("\(session.entries.count) entries: " + codes.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        }
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
