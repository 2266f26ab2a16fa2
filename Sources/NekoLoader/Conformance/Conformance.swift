import Foundation

/// `nekoctl check --exercise`: runs a plugin in a worker process and tries
/// the promises of neko_abi.h on it, like clap-validator does for CLAP. See
/// docs/CONFORMANCE.md.
package enum Conformance {
    /// The checks, in the order they run.
    static let checks: [any ConformanceCheck] = [
        DescriptorCheck(), ValidArgumentsCheck(), InvalidArgumentsCheck(), UnknownKeyCheck(), ConcurrencyCheck(),
        CompletionCheck(), CancelCheck(), DeadlineCheck(), StateCheck(), RestartCheck(),
    ]

    /// The names of the checks, in order.
    package static var checkNames: [String] { checks.map(\.name) }

    /// Exercises the plugin `subject` describes. A plugin that does not load
    /// fails `descriptor`; the other checks are then skipped.
    package static func exercise(_ subject: ExerciseSubject, plugin: String) -> ConformanceReport {
        let start = ContinuousClock.now
        var findings: [CheckFinding] = []
        for check in checks {
            if let first = findings.first, check.name != "descriptor", first.result == .fail, first.check == "descriptor", first.detail.hasPrefix("the plugin does not load") {
                findings.append(CheckFinding(check: check.name, result: .skip, detail: "the plugin does not load (see descriptor)"))
                continue
            }
            let finding = check.run(subject)
            // Name the folder the user gave, not the copy that ran.
            findings.append(CheckFinding(check: finding.check, result: finding.result, detail: finding.detail.replacingOccurrences(of: subject.folder, with: subject.original)))
        }
        return ConformanceReport(plugin: plugin, folder: subject.original, findings: findings, duration: ContinuousClock.now - start)
    }
}
