@_spi(Neko) import NekoCore

/// The versions of something a plugin accepts, N.E.K.O's four keys:
/// `[plugin.sdk]` (the host's SDK) and each `[[plugin.dependency]]` (another plugin).
///
/// ```toml
/// recommended = ">=0.1.0,<0.2.0"   # outside: a warning
/// supported = ">=0.1.0,<0.3.0"     # outside (and outside untested): refused
/// untested = ">=0.3.0,<0.4.0"      # inside (and outside supported): loads, with a warning
/// conflicts = ["<0.1.0", ">=0.4.0"] # inside any: refused
/// ```
public struct VersionRequirement: Sendable, Equatable {
    /// `recommended`: outside it, the plugin loads with a warning.
    public let recommended: VersionRange?
    /// `supported`: outside it, and outside `untested`, the plugin is refused.
    public let supported: VersionRange?
    /// `untested`: inside it but outside `supported`, the plugin loads with a warning.
    public let untested: VersionRange?
    /// `conflicts` (a range or a list of ranges): inside any of them, the plugin is refused.
    public let conflicts: [VersionRange]

    /// Makes a requirement; every part is optional.
    public init(recommended: VersionRange? = nil, supported: VersionRange? = nil, untested: VersionRange? = nil, conflicts: [VersionRange] = []) {
        self.recommended = recommended
        self.supported = supported
        self.untested = untested
        self.conflicts = conflicts
    }

    /// Whether it says nothing (every version passes).
    public var isEmpty: Bool { recommended == nil && supported == nil && untested == nil && conflicts.isEmpty }

    /// What `version` of `subject` meets: a refusal, or warnings (none when all is well).
    public struct Verdict: Sendable, Equatable {
        /// Why the plugin is refused, naming the key, the range and the version; nil: accepted.
        public let refusal: String?
        /// What the user should know, naming the key, the range and the version.
        public let warnings: [String]
    }

    /// Judges `version` against the four keys.
    ///
    /// - Parameters:
    ///   - version: The version found, eg the host's SDK `0.1.0`.
    ///   - subject: What has that version, for messages, eg `"this host's SDK"` or `"plugin 'timer'"`.
    ///   - table: Where the keys are, for messages, eg `"[plugin.sdk]"`.
    /// - Returns: eg a refusal `[plugin.sdk].supported = ">=0.2.0,<0.3.0" does not include this host's SDK 0.1.0`.
    public func judge(_ version: SemanticVersion, of subject: String, table: String) -> Verdict {
        func quoted(_ range: VersionRange) -> String { PluginManifest.TOMLDocument.quoted(range.text) }
        if let conflict = conflicts.first(where: { $0.contains(version) }) {
            return Verdict(refusal: "\(table).conflicts includes \(quoted(conflict)), and \(subject) is \(version)", warnings: [])
        }
        var warnings: [String] = []
        let inSupported = supported?.contains(version)
        let inUntested = untested?.contains(version)
        switch (inSupported, inUntested) {
        case (true?, _), (nil, nil):
            break
        case (_, true?):
            warnings.append("\(table).untested = \(quoted(untested!)) includes \(subject) \(version): the plugin was not tested with it")
        case (false?, _):
            let alsoUntested = untested.map { " nor \(table).untested = \(quoted($0))" } ?? ""
            return Verdict(refusal: "\(table).supported = \(quoted(supported!))\(alsoUntested) does not include \(subject) \(version)", warnings: [])
        case (nil, false?):
            return Verdict(refusal: "\(table).untested = \(quoted(untested!)) (the only range given) does not include \(subject) \(version)", warnings: [])
        }
        if let recommended, !recommended.contains(version) {
            warnings.append("\(table).recommended = \(quoted(recommended)) does not include \(subject) \(version)")
        }
        return Verdict(refusal: nil, warnings: warnings)
    }
}

extension PluginManifest {
    /// The version of the plugin SDK this host implements, which `[plugin.sdk]` ranges
    /// are checked against: Neko's own version (`BuildStamp.nekoVersion`), eg `0.1.0`.
    public static let hostSDKVersion: SemanticVersion = {
        guard let version = SemanticVersion(BuildStamp.nekoVersion) else {
            preconditionFailure("BuildStamp.nekoVersion \(BuildStamp.nekoVersion) is not a semantic version")
        }
        return version
    }()

    /// Checks `[plugin.sdk]` against the host's SDK version.
    ///
    /// - Parameters:
    ///   - manifest: The manifest (its path names the file in messages).
    ///   - hostSDK: The host's SDK version, by default ``hostSDKVersion``.
    /// - Returns: The warnings (an `untested` or not `recommended` SDK).
    /// - Throws: A ``LoadFailure`` of phase ``LoadPhase/manifest`` naming the range, eg
    ///   `[plugin.sdk].conflicts includes "<0.2.0", and this host's SDK is 0.1.0`.
    public static func checkSDK(_ manifest: PluginManifest, hostSDK: SemanticVersion = hostSDKVersion) throws(LoadFailure) -> [String] {
        guard let sdk = manifest.sdk else { return [] }
        let verdict = sdk.judge(hostSDK, of: "this host's SDK", table: "[plugin.sdk]")
        if let refusal = verdict.refusal {
            throw LoadFailure(.manifest, "\(manifest.manifestPath): \(refusal); the plugin was written for another SDK: update it, or widen the range if it works")
        }
        return verdict.warnings.map { "\(manifest.manifestPath): \($0)" }
    }
}
