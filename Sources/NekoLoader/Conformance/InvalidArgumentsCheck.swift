@_spi(Neko) import NekoCore

/// Each entry refuses arguments that break its schema, a missing required
/// property or one of the wrong type, with invalid_argument naming the
/// property (in `field`, or quoted in the message).
struct InvalidArgumentsCheck: ConformanceCheck {
    let name = "invalid-arguments"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            var tried = 0
            for entry in session.entries {
                let valid = ArgumentGenerator.valid(entry.schema)
                var cases: [(what: String, field: String, arguments: JSON)] = []
                for field in ArgumentGenerator.required(entry.schema) {
                    cases.append(("without required '\(field)'", field, valid.setting(field, to: nil)))
                }
                for (field, schema) in ArgumentGenerator.properties(entry.schema) {
                    if let wrong = ArgumentGenerator.wrongValue(for: schema) {
                        cases.append(("with '\(field)' of the wrong type", field, valid.setting(field, to: wrong)))
                    }
                }
                for attempt in cases {
                    tried += 1
                    let outcome = session.call(entry, attempt.arguments, timeout: subject.callTimeout)
                    if let problem = Self.problem(outcome, naming: attempt.field) {
                        return fail("entry '\(entry.id)' \(attempt.what) (\(attempt.arguments.serializedText)): \(problem)")
                    }
                }
            }
            return tried == 0 ? skip("no entry declares typed or required arguments") : pass("\(tried) invalid argument objects refused, each naming its field")
        }
    }

    /// What is wrong with the answer to arguments whose `field` is bad, or nil.
    static func problem(_ outcome: Result<[UInt8], CallError>, naming field: String) -> String? {
        switch outcome {
        case .success: return "accepted them (expected invalid_argument naming '\(field)')"
        case .failure(let error):
            if error.isBreakage { return error.summary }
            guard error.code == .invalidArgument else { return "answered \(error.summary) (expected invalid_argument naming '\(field)')" }
            if error.field == field || error.field?.hasPrefix("\(field).") == true || error.field?.hasPrefix("\(field)[") == true { return nil }
            if error.message.contains("'\(field)'") || error.message.contains("\"\(field)\"") || error.message.contains("`\(field)`") { return nil }
            return "invalid_argument does not name '\(field)' (field \(error.field.map { "'\($0)'" } ?? "NULL"), message \"\(error.message)\")"
        }
    }
}
