@_spi(Neko) import NekoCore

/// A plugin that keeps state (`save_state`) hands it over: a reload saves
/// it, restores it into a new instance, which then answers.
struct StateCheck: ConformanceCheck {
    let name = "state"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            guard session.loaded.descriptor.pointee.save_state != nil else { return skip("the plugin keeps no state (no save_state)") }
            // Some state to hand over: one call of each entry first.
            for entry in session.entries { _ = session.call(entry, ArgumentGenerator.valid(entry.schema), timeout: subject.callTimeout) }
            let report: PluginHost.ReloadReport
            switch session.host.reload(session.id) {
            case .success(let done): report = done
            case .failure(let failure): return fail("save/restore round trip failed: \(failure)")
            }
            for entry in session.entries {
                let arguments = ArgumentGenerator.valid(entry.schema)
                let outcome = session.call(entry, arguments, timeout: subject.callTimeout)
                if let problem = OutcomeJudgement.problem(outcome, entry: entry.id, arguments: arguments) { return fail("after restore_state: \(problem)") }
            }
            return pass("\(report.stateBytes) bytes of state saved and restored; the new instance answers")
        }
    }
}
