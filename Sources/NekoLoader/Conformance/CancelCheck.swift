@_spi(Neko) import NekoCore

/// An async call canceled while it runs ends (canceled, or its result if it
/// was too late), without a crash, and the plugin goes on answering.
struct CancelCheck: ConformanceCheck {
    let name = "cancel"

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            let asyncEntries = session.entries.filter(\.isAsync)
            guard !asyncEntries.isEmpty else { return skip("no async entry to cancel") }
            for entry in asyncEntries {
                let arguments = ArgumentGenerator.valid(entry.schema)
                let handle: EntryHandle
                do { handle = try session.host.entry(session.id, entry.id) } catch { return fail("entry '\(entry.id)': \(error)") }
                let outcome = Self.callCanceled(handle, arguments.serialized())
                if case .failure(let error) = outcome, error.isBreakage { return fail("entry '\(entry.id)' canceled mid-call: \(error.summary)") }
                let after = session.call(entry, arguments, timeout: subject.callTimeout)
                if let problem = OutcomeJudgement.problem(after, entry: entry.id, arguments: arguments) {
                    return fail("after a canceled call: \(problem)")
                }
            }
            // A second completion of a canceled call is the completion check's finding, not this one's.
            return pass("\(asyncEntries.count) async entries canceled mid-call; each ended and the plugin answered after")
        }
    }

    /// Starts an async call and cancels its task at once (while the plugin
    /// holds it, unless it answered first); waits for its end.
    private static func callCanceled(_ handle: EntryHandle, _ arguments: [UInt8]) -> Result<[UInt8], CallError> {
        let result = ResultBox()
        let task = Task {
            do throws(CallError) { result.set(.success(try await handle.call(arguments))) } catch { result.set(.failure(error)) }
        }
        task.cancel()
        return result.wait()
    }
}

/// A result handed from a task to a blocked thread.
private final class ResultBox: @unchecked Sendable {  // guarded by `signal`
    private let signal = LockAndCondition()
    private var value: Result<[UInt8], CallError>?

    func set(_ outcome: Result<[UInt8], CallError>) {
        signal.locked {
            value = outcome
            signal.broadcast()
        }
    }

    func wait() -> Result<[UInt8], CallError> {
        signal.locked {
            while value == nil { signal.wait() }
            return value!
        }
    }
}
