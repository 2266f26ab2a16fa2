@_spi(Neko) import NekoCore
import Synchronization

/// Eight threads call every entry at once, several times each: every call
/// answers, and none crashes (neko_abi.h: concurrent `invoke` is the norm).
struct ConcurrencyCheck: ConformanceCheck {
    let name = "concurrency"
    static let threads = 8
    static let rounds = 3

    func run(_ subject: ExerciseSubject) -> CheckFinding {
        subject.withSession(name) { session in
            guard !session.entries.isEmpty else { return skip("no entry to call") }
            let problems = Mutex<[String]>([])
            let done = LockAndCondition()
            let finished = Mutex(0)
            for _ in 0..<Self.threads {
                let started = DetachedThread.start {
                    for _ in 0..<Self.rounds {
                        for entry in session.entries {
                            let arguments = ArgumentGenerator.valid(entry.schema)
                            let outcome = session.call(entry, arguments, timeout: subject.callTimeout)
                            if let problem = OutcomeJudgement.problem(outcome, entry: entry.id, arguments: arguments) {
                                problems.withLock { $0.append(problem) }
                            }
                        }
                    }
                    done.locked {
                        finished.withLock { $0 += 1 }
                        done.broadcast()
                    }
                }
                if !started { done.locked { finished.withLock { $0 += 1 } } }
            }
            done.locked { while finished.withLock({ $0 }) < Self.threads { done.wait() } }
            let calls = Self.threads * Self.rounds * session.entries.count
            if let first = problems.withLock({ $0.first }) {
                return fail("\(problems.withLock { $0.count }) of \(calls) concurrent calls broke; first: \(first)")
            }
            return pass("\(calls) calls from \(Self.threads) threads at once")
        }
    }
}
