@_spi(Neko) import NekoCore

/// start, stop, start: the plugin stops cleanly (every call completed), and
/// a new instance starts and answers.
struct RestartCheck: ConformanceCheck {
    let name = "restart"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            do { try session.host.unload(session.id) } catch { return fail("stop failed: \(error)") }
            if case .failure(let failure) = session.host.load(folder: subject.folder) { return fail("start after stop failed: \(failure)") }
            guard let entry = session.entries.first else { return pass("stopped and started again") }
            let arguments = ArgumentGenerator.valid(entry.schema)
            do throws(CallError) {
                _ = try session.host.entry(session.id, entry.id).callBlocking(arguments.serialized(), timeout: subject.callTimeout)
            } catch {
                if error.isBreakage || error.code == .unavailable || error.code == .notFound { return fail("after start, stop, start: entry '\(entry.id)': \(error.summary)") }
            }
            return pass("started, stopped, started again; entry '\(entry.id)' answers")
        }
    }
}
