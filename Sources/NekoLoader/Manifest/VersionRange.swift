/// A set of versions written the way N.E.K.O manifests (PEP 440) and npm write them,
/// eg `">=0.1.0,<0.3.0"`, `"^1.2"`, `"~1.2.3"`, `"~=1.4"`, `"==1.4.*"`, `"1.x || >=3"`.
///
/// The one parser for every range in `plugin.toml` (`[plugin.sdk]`, `[[plugin.dependency]]`).
/// - `||` separates alternatives; within one, comparisons separated by `,` or spaces must all hold.
/// - `>=V`, `>V`, `<=V`, `<V`, `==V` (or `=V`), `!=V`: a partial `V` is padded with zeros
///   (`>=0.1` is `>=0.1.0`); `==1.4.*` and `!=1.4.*` match a prefix.
/// - `^V`: up to the next change of the first non-zero part (`^1.2` is `>=1.2.0,<2.0.0`,
///   `^0.2.3` is `>=0.2.3,<0.3.0`). `~V`: up to the next minor (`~1.2.3` is `<1.3.0`; `~1` is `<2.0.0`).
///   `~=V` (PEP 440): `~=1.4` is `>=1.4.0,<2.0.0`, `~=1.4.2` is `>=1.4.2,<1.5.0`.
/// - A bare `V`: exactly `V` when it has three parts, else every version it starts (`1.2` is `1.2.x`).
///   `*`, `x` alone: any version.
/// - An exclusive upper bound leaves out that version's prereleases (`<2.0.0` refuses `2.0.0-beta`).
public struct VersionRange: Sendable, Equatable, CustomStringConvertible {
    /// Why a range could not be read, eg `cannot read "=>1.0" in ">=0.1,=>1.0": expected ...`.
    public struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        /// What is wrong, naming the piece that could not be read.
        public let message: String
        /// The message.
        public var description: String { message }
    }

    /// One comparison a version must pass.
    enum Bound: Sendable, Equatable {
        case atLeast(SemanticVersion)
        case above(SemanticVersion)
        case atMost(SemanticVersion)
        case below(SemanticVersion)
        case not(SemanticVersion)
        case startsWith([UInt64])
        case notStartsWith([UInt64])

        func admits(_ version: SemanticVersion) -> Bool {
            switch self {
            case .atLeast(let bound): version >= bound
            case .above(let bound): version > bound
            case .atMost(let bound): version <= bound
            case .below(let bound): version < bound
            case .not(let bound): version != bound
            case .startsWith(let prefix): Self.starts(version, with: prefix)
            case .notStartsWith(let prefix): !Self.starts(version, with: prefix)
            }
        }

        private static func starts(_ version: SemanticVersion, with prefix: [UInt64]) -> Bool {
            zip([version.major, version.minor, version.patch], prefix).allSatisfy { $0 == $1 }
        }
    }

    /// The range as written, eg `">=0.1.0,<0.3.0"`.
    public let text: String
    /// Alternatives; a version is in the range when it passes every bound of one of them.
    let alternatives: [[Bound]]

    /// Reads a range, eg `VersionRange(">=0.1.0,<0.3.0")`.
    /// - Throws: A ``Problem`` naming the piece that cannot be read and what was expected.
    public init(_ text: String) throws(Problem) {
        self.text = text
        var alternatives: [[Bound]] = []
        for alternative in text.split(separator: "||", omittingEmptySubsequences: false).map(String.init) {
            var bounds: [Bound] = []
            var pending = ""
            let pieces = alternative.split(whereSeparator: { $0 == "," || $0 == " " || $0 == "\t" })
            for piece in pieces {
                // `>= 1.2`: an operator alone joins the piece after it.
                if piece.allSatisfy({ "<>=!~^".contains($0) }) {
                    pending += piece
                    continue
                }
                bounds += try Self.bounds(pending + piece, in: text)
                pending = ""
            }
            guard pending.isEmpty else { throw Self.problem(pending, in: text) }
            guard !pieces.isEmpty else {
                throw Problem(message: text.allSatisfy(\.isWhitespace)
                    ? "empty version range: expected eg \">=1.0.0,<2.0.0\", \"^1.2\" or \"*\""
                    : "empty alternative in \(PluginManifest.TOMLDocument.quoted(text)): expected a comparison on each side of ||")
            }
            alternatives.append(bounds)
        }
        self.alternatives = alternatives
    }

    /// Whether `version` is in the range.
    public func contains(_ version: SemanticVersion) -> Bool {
        alternatives.contains { bounds in bounds.allSatisfy { $0.admits(version) } }
    }

    /// The range as written, eg `>=0.1.0,<0.3.0`.
    public var description: String { text }

    // MARK: - Reading one comparison

    private static let operators = ["~=", ">=", "<=", "==", "!=", ">", "<", "=", "^", "~"]

    private static func problem(_ piece: some StringProtocol, in text: String) -> Problem {
        let quoted = PluginManifest.TOMLDocument.quoted
        let whole = String(piece) == text ? "" : " in \(quoted(text))"
        return Problem(message: "cannot read \(quoted(String(piece)))\(whole): expected a comparison like \">=1.2.0\", \"<2\", \"^1.2\", \"~1.2.3\", \"~=1.4\", \"==1.4.*\", \"1.2\" or \"*\"")
    }

    /// The bounds of one comparison, eg `">=0.1"` -> `[.atLeast(0.1.0)]`.
    private static func bounds(_ piece: String, in text: String) throws(Problem) -> [Bound] {
        let op = operators.first { piece.hasPrefix($0) } ?? ""
        let operand = piece.dropFirst(op.count)
        guard let partial = Partial(operand) else { throw problem(piece, in: text) }
        let low = partial.padded
        if partial.isWildcard {
            switch op {
            case "", "=", "==": return partial.parts.isEmpty ? [] : [.startsWith(partial.parts)]
            case "!=": return [.notStartsWith(partial.parts)]
            default: throw problem(piece, in: text)
            }
        }
        switch op {
        case ">=": return [.atLeast(low)]
        case ">": return [.above(low)]
        case "<=": return [.atMost(low)]
        case "<": return [.below(Self.lowestPrerelease(low))]
        case "=", "==": return [.atLeast(low), .atMost(low)]
        case "!=": return [.not(low)]
        case "": return partial.parts.count == 3 ? [.atLeast(low), .atMost(low)] : [.startsWith(partial.parts)]
        case "^":
            let parts = partial.parts
            let firstNonZero = parts.firstIndex { $0 != 0 } ?? parts.count - 1
            return [.atLeast(low), .below(upper(bumping: min(firstNonZero, parts.count - 1), of: parts))]
        case "~":
            return [.atLeast(low), .below(upper(bumping: min(1, partial.parts.count - 1), of: partial.parts))]
        case "~=":
            guard partial.parts.count >= 2 else { throw problem(piece, in: text) }
            return [.atLeast(low), .below(upper(bumping: partial.parts.count - 2, of: partial.parts))]
        default: throw problem(piece, in: text)
        }
    }

    /// The lowest version whose part `index` is one more than in `parts` (later parts zero),
    /// without its prereleases, eg `(0, [1, 2, 3])` -> `2.0.0-0`.
    private static func upper(bumping index: Int, of parts: [UInt64]) -> SemanticVersion {
        var numbers = Array(parts.prefix(index + 1)) + Array(repeating: 0, count: 3 - (index + 1))
        numbers[index] &+= 1
        return SemanticVersion(numbers[0], numbers[1], numbers[2], prerelease: ["0"])
    }

    /// `V-0`, the lowest prerelease of a release `V`: `<V` then leaves out `V`'s prereleases.
    private static func lowestPrerelease(_ version: SemanticVersion) -> SemanticVersion {
        guard version.prerelease.isEmpty else { return version }
        return SemanticVersion(version.major, version.minor, version.patch, prerelease: ["0"])
    }

    /// A version that may lack parts (`1.2`), end in a wildcard (`1.2.*`, `1.x`), or be one (`*`).
    private struct Partial {
        var parts: [UInt64]
        var prerelease: [String] = []
        var isWildcard = false

        init?(_ text: Substring) {
            var core = text
            if text.contains("-") {
                guard let full = SemanticVersion(String(text)) else { return nil }
                parts = [full.major, full.minor, full.patch]
                prerelease = full.prerelease
                return
            }
            if let plus = core.firstIndex(of: "+") { core = core[..<plus] }
            var pieces = core.split(separator: ".", omittingEmptySubsequences: false)
            if let last = pieces.last, last == "*" || last == "x" || last == "X" {
                isWildcard = true
                pieces.removeLast()
            }
            guard pieces.count <= 3, !(pieces.isEmpty && !isWildcard), let numbers = SemanticVersion.numbers(pieces) else { return nil }
            if isWildcard && numbers.count == 3 { return nil }
            parts = numbers
        }

        /// Missing parts as zeros, eg `1.2` -> `1.2.0`.
        var padded: SemanticVersion {
            let numbers = parts + Array(repeating: 0, count: 3 - parts.count)
            return SemanticVersion(numbers[0], numbers[1], numbers[2], prerelease: prerelease)
        }
    }
}
