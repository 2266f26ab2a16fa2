/// A semantic version (semver 2.0), eg `1.2.0` or `2.0.0-beta.1+build.5`.
///
/// Versions compare by semver precedence: numbers first, then a version with
/// a prerelease before the same version without one; build metadata is ignored.
public struct SemanticVersion: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// Changes on a break, eg `1`.
    public let major: UInt64
    /// Grows with additions, eg `2`.
    public let minor: UInt64
    /// Grows with fixes, eg `0`.
    public let patch: UInt64
    /// The dot-separated prerelease identifiers, eg `["beta", "1"]`; empty for a release.
    public let prerelease: [String]
    /// The build metadata after `+`, eg `"build.5"`; ignored when comparing.
    public let build: String?

    /// Makes a version from its parts, eg `SemanticVersion(1, 2, 0)`.
    public init(_ major: UInt64, _ minor: UInt64, _ patch: UInt64, prerelease: [String] = [], build: String? = nil) {
        self.major = major
        self.minor = minor
        self.patch = patch
        self.prerelease = prerelease
        self.build = build
    }

    /// Parses `MAJOR.MINOR.PATCH[-prerelease][+build]`, eg `"2.0.0-beta.1"`; nil for anything else
    /// (`"1.2"`, `"01.2.3"`, `"1.2.3-"`).
    public init?(_ text: String) {
        var rest = Substring(text)
        var build: Substring?
        var prerelease: Substring?
        if let plus = rest.firstIndex(of: "+") { build = rest[rest.index(after: plus)...]; rest = rest[..<plus] }
        if let dash = rest.firstIndex(of: "-") { prerelease = rest[rest.index(after: dash)...]; rest = rest[..<dash] }
        let core = rest.split(separator: ".", omittingEmptySubsequences: false)
        guard core.count == 3, let numbers = Self.numbers(core), numbers.count == 3 else { return nil }
        var identifiers: [String] = []
        if let prerelease {
            let parts = prerelease.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.allSatisfy({ Self.isIdentifier($0) && (!Self.isDigits($0) || Self.isNumber($0)) }) else { return nil }
            identifiers = parts.map(String.init)
        }
        if let build {
            guard build.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(Self.isIdentifier) else { return nil }
        }
        self.init(numbers[0], numbers[1], numbers[2], prerelease: identifiers, build: build.map(String.init))
    }

    /// `1.2.0`, `2.0.0-beta.1+build.5`.
    public var description: String {
        "\(major).\(minor).\(patch)" + (prerelease.isEmpty ? "" : "-" + prerelease.joined(separator: ".")) + (build.map { "+" + $0 } ?? "")
    }

    /// Semver precedence: build metadata is ignored.
    public static func == (a: SemanticVersion, b: SemanticVersion) -> Bool {
        (a.major, a.minor, a.patch) == (b.major, b.minor, b.patch) && a.prerelease == b.prerelease
    }

    /// Hashes what `==` compares.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(major)
        hasher.combine(minor)
        hasher.combine(patch)
        hasher.combine(prerelease)
    }

    /// Semver precedence, eg `1.0.0-alpha < 1.0.0-alpha.1 < 1.0.0-beta < 1.0.0 < 1.0.1`.
    public static func < (a: SemanticVersion, b: SemanticVersion) -> Bool {
        if (a.major, a.minor, a.patch) != (b.major, b.minor, b.patch) {
            return (a.major, a.minor, a.patch) < (b.major, b.minor, b.patch)
        }
        switch (a.prerelease.isEmpty, b.prerelease.isEmpty) {
        case (true, _): return false
        case (false, true): return true
        case (false, false): break
        }
        for (x, y) in zip(a.prerelease, b.prerelease) where x != y {
            switch (UInt64(x), UInt64(y)) {
            case let (m?, n?): return m < n
            case (.some, nil): return true  // numeric identifiers sort before alphanumeric ones
            case (nil, .some): return false
            case (nil, nil): return x < y
            }
        }
        return a.prerelease.count < b.prerelease.count
    }

    // MARK: - Pieces, shared with VersionRange

    /// Numbers without leading zeros (`0` alone is fine), eg `["1", "2"]` -> `[1, 2]`; nil if any is not one.
    static func numbers(_ parts: [Substring]) -> [UInt64]? {
        var values: [UInt64] = []
        for part in parts {
            guard isNumber(part), let value = UInt64(part) else { return nil }
            values.append(value)
        }
        return values
    }

    static func isDigits(_ part: Substring) -> Bool {
        !part.isEmpty && part.allSatisfy { $0.isASCII && $0.isNumber }
    }

    static func isNumber(_ part: Substring) -> Bool {
        isDigits(part) && (part == "0" || part.first != "0")
    }

    static func isIdentifier(_ part: Substring) -> Bool {
        !part.isEmpty && part.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
    }
}
