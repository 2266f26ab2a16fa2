@_spi(Neko) import NekoCore

/// The result of one conformance check.
package enum CheckResult: String, Sendable, Equatable {
    /// The plugin did what the ABI promises.
    case pass
    /// It broke a promise: the detail says which and where.
    case fail
    /// The check does not apply (eg no async entry to cancel), or the plugin
    /// could not be loaded for it.
    case skip
}

/// What one check found, eg `("completion", .fail, "entry 'twice' completed a sync call twice")`.
package struct CheckFinding: Sendable, Equatable {
    /// The check's name, eg "completion".
    package let check: String
    /// Pass, fail or skip.
    package let result: CheckResult
    /// What was tried, or what broke: names the entry and the argument.
    package let detail: String

    /// Makes a finding.
    package init(check: String, result: CheckResult, detail: String) {
        self.check = check
        self.result = result
        self.detail = detail
    }
}

/// Everything `Conformance.exercise` found in one plugin.
package struct ConformanceReport: Sendable {
    /// The plugin's id, or its folder's name when the manifest is unreadable.
    package let plugin: String
    /// The plugin folder.
    package let folder: String
    /// One finding per check, in the order they ran.
    package let findings: [CheckFinding]
    /// How long the whole run took.
    package let duration: Duration

    /// Whether no check failed.
    package var passed: Bool { !findings.contains { $0.result == .fail } }

    /// How long the run took, in milliseconds to the microsecond, eg 968.5.
    package var milliseconds: Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds * 1_000_000 + attoseconds / 1_000_000_000_000) / 1000
    }

    /// The report as `nekoctl check --exercise --json` prints it.
    package var json: JSON {
        [
            "plugin": .string(plugin), "folder": .string(folder), "passed": .bool(passed),
            "duration_ms": .double(milliseconds),
            "checks": .array(findings.map { ["check": .string($0.check), "result": .string($0.result.rawValue), "detail": .string($0.detail)] }),
        ]
    }
}
