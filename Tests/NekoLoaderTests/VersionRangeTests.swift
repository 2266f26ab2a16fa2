@_spi(Neko) import NekoCore
import Testing
@testable import NekoLoader

/// `SemanticVersion`, `VersionRange` (the one range parser of plugin.toml) and
/// `VersionRequirement` (N.E.K.O's recommended / supported / untested / conflicts).
@Suite struct VersionRangeTests {
    private func version(_ text: String) throws -> SemanticVersion {
        try #require(SemanticVersion(text), "\(text) should parse")
    }

    @Test func semanticVersionsParseAndOrderBySemverPrecedence() throws {
        #expect(try version("2.0.0-beta.1+build.5").description == "2.0.0-beta.1+build.5")
        for bad in ["1.2", "1.2.3.4", "01.2.3", "1.2.3-", "1.2.3+", "1.2.3-01", "v1.2.3", "", "1.2.x"] {
            #expect(SemanticVersion(bad) == nil, "\(bad)")
        }
        let ordered = ["1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1", "1.0.0", "1.0.1", "1.10.0", "2.0.0"]
        let versions = try ordered.map(version)
        for (a, b) in zip(versions, versions.dropFirst()) { #expect(a < b, "\(a) < \(b)") }
        #expect(try version("1.0.0+a") == version("1.0.0+b"), "build metadata does not count")
    }

    /// A range, versions inside it, versions outside it.
    static let cases: [(String, [String], [String])] = [
        (">=0.1.0,<0.3.0", ["0.1.0", "0.2.9"], ["0.0.9", "0.3.0", "0.3.0-beta", "1.0.0"]),
        (">=0.1,<0.3", ["0.1.0", "0.2.5"], ["0.3.0", "0.0.1"]),
        (">= 1.0, < 2", ["1.0.0", "1.9.9"], ["2.0.0", "0.9.0"]),
        (">1.2", ["1.2.1", "2.0.0"], ["1.2.0", "1.1.0"]),
        ("<=1.2", ["1.2.0", "0.1.0"], ["1.2.1"]),
        ("^1.2", ["1.2.0", "1.9.0"], ["1.1.9", "2.0.0", "2.0.0-alpha"]),
        ("^1.2.3", ["1.2.3", "1.3.0"], ["1.2.2", "2.0.0"]),
        ("^0.2.3", ["0.2.3", "0.2.9"], ["0.3.0", "0.2.2"]),
        ("^0.0.3", ["0.0.3"], ["0.0.4", "0.0.2"]),
        ("^0", ["0.0.0", "0.9.9"], ["1.0.0"]),
        ("~1.2.3", ["1.2.3", "1.2.9"], ["1.3.0", "1.2.2"]),
        ("~1.2", ["1.2.0", "1.2.7"], ["1.3.0"]),
        ("~1", ["1.0.0", "1.9.0"], ["2.0.0"]),
        ("~=1.4", ["1.4.0", "1.9.0"], ["2.0.0", "1.3.9"]),
        ("~=1.4.2", ["1.4.2", "1.4.9"], ["1.5.0", "1.4.1"]),
        ("==1.4.*", ["1.4.0", "1.4.99"], ["1.5.0", "1.3.0"]),
        ("==1.4", ["1.4.0"], ["1.4.1"]),
        ("=2.0.0", ["2.0.0"], ["2.0.1"]),
        ("!=1.4.*", ["1.3.0", "1.5.0"], ["1.4.2"]),
        (">=1,!=1.5.0", ["1.4.0", "1.5.1"], ["1.5.0", "0.9.0"]),
        ("1.2", ["1.2.0", "1.2.5"], ["1.3.0"]),
        ("1.2.x", ["1.2.3"], ["1.3.0"]),
        ("1.2.3", ["1.2.3"], ["1.2.4"]),
        ("*", ["0.0.1", "9.0.0"], []),
        ("1.x || >=3", ["1.5.0", "3.0.0", "4.1.0"], ["2.0.0", "0.1.0"]),
        (">=2.0.0-beta", ["2.0.0-beta", "2.0.0-rc.1", "2.0.0"], ["2.0.0-alpha", "1.9.0"]),
    ]

    @Test(arguments: cases)
    func rangeHoldsExactlyItsVersions(_ range: String, _ inside: [String], _ outside: [String]) throws {
        let parsed = try VersionRange(range)
        #expect(parsed.text == range)
        for text in inside { #expect(parsed.contains(try version(text)), "\(range) should contain \(text)") }
        for text in outside { #expect(!parsed.contains(try version(text)), "\(range) should not contain \(text)") }
    }

    @Test(arguments: [
        ("=>1.0", #"cannot read "=>1.0": expected a comparison like ">=1.2.0""#),
        (">=0.1,=>1.0", #"cannot read "=>1.0" in ">=0.1,=>1.0""#),
        ("", "empty version range"),
        ("   ", "empty version range"),
        (">=1.0 ||", #"empty alternative in ">=1.0 ||""#),
        (">=", #"cannot read ">=""#),
        ("^x", #"cannot read "^x""#),
        (">=1.*", #"cannot read ">=1.*""#),
        ("~=1", #"cannot read "~=1""#),
        ("1.2.3.4", #"cannot read "1.2.3.4""#),
        ("01.2", #"cannot read "01.2""#),
        ("latest", #"cannot read "latest""#),
    ])
    func badRangeNamesThePiece(_ text: String, _ expected: String) {
        #expect(throws: VersionRange.Problem.self) { try VersionRange(text) }
        do { _ = try VersionRange(text) } catch { #expect(error.message.contains(expected), "\(error.message)") }
    }

    // MARK: - Requirements

    private func requirement(recommended: String? = nil, supported: String? = nil, untested: String? = nil, conflicts: [String] = []) throws -> VersionRequirement {
        VersionRequirement(
            recommended: try recommended.map { try VersionRange($0) }, supported: try supported.map { try VersionRange($0) },
            untested: try untested.map { try VersionRange($0) }, conflicts: try conflicts.map { try VersionRange($0) })
    }

    @Test func requirementFollowsNEKOsFourKeys() throws {
        let sdk = try requirement(recommended: ">=0.1.0,<0.2.0", supported: ">=0.1.0,<0.3.0", untested: ">=0.3.0,<0.4.0", conflicts: ["<0.1.0", ">=0.4.0"])
        func judge(_ text: String) throws -> VersionRequirement.Verdict { sdk.judge(try version(text), of: "this host's SDK", table: "[plugin.sdk]") }
        #expect(try judge("0.1.5") == .init(refusal: nil, warnings: []))
        #expect(try judge("0.2.0") == .init(refusal: nil, warnings: [#"[plugin.sdk].recommended = ">=0.1.0,<0.2.0" does not include this host's SDK 0.2.0"#]))
        #expect(try judge("0.3.1").refusal == nil)
        #expect(try judge("0.3.1").warnings.first == #"[plugin.sdk].untested = ">=0.3.0,<0.4.0" includes this host's SDK 0.3.1: the plugin was not tested with it"#)
        #expect(try judge("0.4.0").refusal == #"[plugin.sdk].conflicts includes ">=0.4.0", and this host's SDK is 0.4.0"#)
        #expect(try judge("0.0.5").refusal == #"[plugin.sdk].conflicts includes "<0.1.0", and this host's SDK is 0.0.5"#)

        let narrow = try requirement(supported: "^1.2", untested: "~2.0")
        #expect(narrow.judge(try version("3.0.0"), of: "'x'", table: "t").refusal == #"t.supported = "^1.2" nor t.untested = "~2.0" does not include 'x' 3.0.0"#)
        let onlyUntested = try requirement(untested: ">=1.0.0,<2.0.0")
        #expect(onlyUntested.judge(try version("2.1.0"), of: "'x'", table: "t").refusal?.contains("(the only range given) does not include 'x' 2.1.0") == true)
        #expect(VersionRequirement().judge(try version("9.9.9"), of: "'x'", table: "t") == .init(refusal: nil, warnings: []))
    }

    @Test func hostSDKVersionIsNekosVersion() {
        #expect(PluginManifest.hostSDKVersion.description == BuildStamp.nekoVersion)
    }
}
