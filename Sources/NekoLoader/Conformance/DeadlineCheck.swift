@_spi(Neko) import NekoCore

/// Each entry called with a 1 ms deadline ends promptly (its result, or
/// `timeout`), and the plugin goes on answering: a call that overruns must
/// not wedge the instance or its worker.
struct DeadlineCheck: ConformanceCheck {
    let name = "deadline"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            guard !session.entries.isEmpty else { return skip("no entry to call") }
            var timedOut = 0
            for entry in session.entries {
                let arguments = ArgumentGenerator.valid(entry.schema)
                let outcome = session.call(entry, arguments, timeout: .milliseconds(1))
                if case .failure(let error) = outcome, error.code == .timeout { timedOut += 1 }
                if let problem = OutcomeJudgement.problem(outcome, entry: entry.id, arguments: arguments) { return fail("with a 1 ms deadline: \(problem)") }
            }
            // Still serving after the overruns: one more call of each, with the normal deadline.
            for entry in session.entries {
                let arguments = ArgumentGenerator.valid(entry.schema)
                let outcome = session.call(entry, arguments, timeout: subject.callTimeout)
                if let problem = OutcomeJudgement.problem(outcome, entry: entry.id, arguments: arguments) {
                    return fail("after 1 ms deadlines: \(problem)")
                }
            }
            return pass("\(session.entries.count) entries with a 1 ms deadline: \(timedOut) timed out, all answered afterwards")
        }
    }
}
