import NekoCore

/// The result of one conformance check.
public enum CheckResult: String, Sendable, Equatable {
    /// The plugin did what the ABI promises.
    case pass
    /// It broke a promise: the detail says which and where.
    case fail
    /// The check does not apply (eg no async entry to cancel), or the plugin
    /// could not be loaded for it.
    case skip
}

/// What one check found, eg `("completion", .fail, "entry 'twice' completed a sync call twice")`.
public struct CheckFinding: Sendable, Equatable {
    /// The check's name, eg "completion".
    public let check: String
    /// Pass, fail or skip.
    public let result: CheckResult
    /// What was tried, or what broke: names the entry and the argument.
    public let detail: String

    /// Makes a finding.
    public init(check: String, result: CheckResult, detail: String) {
        self.check = check
        self.result = result
        self.detail = detail
    }
}

/// Everything `Conformance.exercise` found in one plugin.
public struct ConformanceReport: Sendable {
    /// The plugin's id, or its folder's name when the manifest is unreadable.
    public let plugin: String
    /// The plugin folder.
    public let folder: String
    /// One finding per check, in the order they ran.
    public let findings: [CheckFinding]
    /// How long the whole run took.
    public let duration: Duration

    /// Whether no check failed.
    public var passed: Bool { !findings.contains { $0.result == .fail } }

    /// How long the run took, in milliseconds to the microsecond, eg 968.5.
    public var milliseconds: Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds * 1_000_000 + attoseconds / 1_000_000_000_000) / 1000
    }

    /// The report as `nekoctl check --exercise --json` prints it.
    public var json: JSON {
        [
            "plugin": .string(plugin), "folder": .string(folder), "passed": .bool(passed),
            "duration_ms": .double(milliseconds),
            "checks": .array(findings.map { ["check": .string($0.check), "result": .string($0.result.rawValue), "detail": .string($0.detail)] }),
        ]
    }
}
