@_spi(Neko) import NekoCore

/// Every call is completed exactly once: never twice, and a sync one before
/// `invoke` returns. The host counts each breach (`contractViolations`); this
/// calls every entry a few times, then reads the count, which covers the
/// whole session.
struct CompletionCheck: ConformanceCheck {
    let name = "completion"
    static let rounds = 3

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            guard !session.entries.isEmpty else { return skip("no entry to call") }
            var timeouts = 0
            for _ in 0..<Self.rounds {
                for entry in session.entries {
                    let outcome = session.call(entry, ArgumentGenerator.valid(entry.schema), timeout: subject.callTimeout)
                    if case .failure(let error) = outcome, error.code == .timeout { timeouts += 1 }
                }
            }
            let violations = (try? session.host.contractViolations(of: session.id)) ?? session.violations
            let calls = Self.rounds * session.entries.count
            if violations > 0 {
                return fail("\(violations) contract violations in \(calls) calls; first: \(session.loaded.binding.ledger.firstReport ?? "-")")
            }
            return pass("\(calls) calls, each completed once" + (timeouts > 0 ? " (\(timeouts) ended at their deadline)" : ""))
        }
    }
}
