import Foundation
import NekoLoader

/// The wall time of `nekoctl check --exercise` on the hello example: every
/// check, in a worker process, as a plugin author runs it.
enum ConformanceTime {
    /// Median of `rounds` runs, in ns, and whether every run passed.
    static func run(pluginsDirectory: String, in scratch: String, rounds: Int = 3) -> (median: Double, passed: Bool) {
        var times: [Double] = []
        var passed = true
        for round in 0..<rounds {
            let folder = "\(scratch)/round-\(round)"
            let subject = try! ExerciseSubject(folder: "\(pluginsDirectory)/hello", scratch: folder, workerExecutable: nil)
            let start = ContinuousClock.now
            let report = Conformance.exercise(subject, plugin: "hello")
            times.append(Measure.nanoseconds(ContinuousClock.now - start))
            passed = passed && report.passed
            try? FileManager.default.removeItem(atPath: folder)
        }
        return (times.sorted()[times.count / 2], passed)
    }
}
