/// A small backtracking matcher for the regular expressions that schemas
/// use, in ECMA-262's syntax and meaning: literals, `.`, classes (`[a-z]`,
/// `[^,]`, `\d`, `\w`, `\s` and their negations), groups (`(...)`, `(?:...)`),
/// `|`, the quantifiers `* + ? {n} {n,} {n,m}` (greedy or lazy), and the
/// anchors `^` and `$` (of the whole string).
///
/// Swift's `Regex` costs microseconds a match; this avoids its engine for
/// such patterns. A pattern outside the subset (lookaround,
/// backreferences, `\b`, `\p{...}`, named groups) is not parsed here
/// (`init` returns `nil`) and ``SchemaPattern`` uses `Regex` for it; a match
/// that would take too many steps (a pathological pattern) also hands over
/// to `Regex`, by answering `nil`.
struct SchemaRegex: Sendable {
    indirect enum Node: Sendable {
        case atom(Atom)
        case sequence([Node])
        case alternation([Node])
        case repetition(Node, min: Int, max: Int, greedy: Bool)
        case start
        case end
    }

    /// What one code point is matched against.
    enum Atom: Sendable {
        case scalar(UInt32)
        case any  // `.`: anything but a line terminator
        case set([ClosedRange<UInt32>], negated: Bool)

        @inline(__always) func matches(_ value: UInt32) -> Bool {
            switch self {
            case .scalar(let expected): return value == expected
            case .any: return value != 0x0A && value != 0x0D && value != 0x2028 && value != 0x2029
            case .set(let ranges, let negated):
                for range in ranges where range.contains(value) { return !negated }
                return negated
            }
        }
    }

    let root: Node
    /// Whether the pattern starts with `^`: only position 0 is tried.
    let isAnchored: Bool
    /// Whether every repetition is of a single atom (then matching never
    /// recurses once per repeated code point, whatever the input's length).
    let repeatsOnlyAtoms: Bool

    /// The matcher of `source`, or `nil` if it is outside the subset.
    init?(_ source: String) {
        var parser = SchemaRegexParser(Array(source.unicodeScalars).map(\.value))
        guard let root = parser.parse() else { return nil }
        self.root = root
        if case .sequence(let nodes) = root, case .start? = nodes.first { isAnchored = true } else { isAnchored = false }
        repeatsOnlyAtoms = Self.repeatsOnlyAtoms(root)
    }

    static func repeatsOnlyAtoms(_ node: Node) -> Bool {
        switch node {
        case .atom, .start, .end: true
        case .sequence(let nodes), .alternation(let nodes): nodes.allSatisfy(repeatsOnlyAtoms)
        case .repetition(let inner, _, _, _): if case .atom = inner { true } else { false }
        }
    }

    /// How many steps a match may take before it hands over to `Regex`.
    static let stepBudget = 100_000

    /// Whether the pattern matches somewhere in `text`; `nil` when it would
    /// take too long here (the caller then asks `Regex`).
    func matches(_ text: String) -> Bool? {
        var scalars: [UInt32] = []
        scalars.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars { scalars.append(scalar.value) }
        if !repeatsOnlyAtoms && scalars.count > 2_000 { return nil }  // nested repetitions recurse per repeat
        return scalars.withUnsafeBufferPointer { input in
            var run = SchemaRegexRun(input: input)
            for start in 0...(isAnchored ? 0 : input.count) {
                if run.match(root, start, { _, _ in true }) { return true }
                if run.steps > Self.stepBudget { return nil }
            }
            return false
        }
    }
}

/// One match attempt: the input and the steps taken so far.
struct SchemaRegexRun {
    let input: UnsafeBufferPointer<UInt32>
    var steps = 0

    /// Whether `node` matches at `position` and `next` accepts where it ends.
    mutating func match(_ node: SchemaRegex.Node, _ position: Int, _ next: (inout SchemaRegexRun, Int) -> Bool) -> Bool {
        steps += 1
        if steps > SchemaRegex.stepBudget { return false }
        switch node {
        case .atom(let atom):
            return position < input.count && atom.matches(input[position]) && next(&self, position + 1)
        case .start:
            return position == 0 && next(&self, position)
        case .end:
            return position == input.count && next(&self, position)
        case .sequence(let nodes):
            return sequence(nodes, 0, position, next)
        case .alternation(let options):
            for option in options where match(option, position, next) { return true }
            return false
        case .repetition(let inner, let min, let max, let greedy):
            if case .atom(let atom) = inner { return repeatAtom(atom, min, max, greedy, position, next) }
            return repetition(inner, min, max, greedy, 0, position, next)
        }
    }

    mutating func sequence(_ nodes: [SchemaRegex.Node], _ index: Int, _ position: Int,
                           _ next: (inout SchemaRegexRun, Int) -> Bool) -> Bool {
        if index == nodes.count { return next(&self, position) }
        return match(nodes[index], position) { run, end in run.sequence(nodes, index + 1, end, next) }
    }

    /// A repeated single atom: count the run, then back off one at a time.
    mutating func repeatAtom(_ atom: SchemaRegex.Atom, _ min: Int, _ max: Int, _ greedy: Bool, _ position: Int,
                             _ next: (inout SchemaRegexRun, Int) -> Bool) -> Bool {
        var count = 0
        while count < max, position + count < input.count, atom.matches(input[position + count]) { count += 1 }
        steps += count
        guard count >= min else { return false }
        if greedy {
            var taken = count
            while taken >= min {
                if next(&self, position + taken) { return true }
                steps += 1
                if steps > SchemaRegex.stepBudget { return false }
                taken -= 1
            }
        } else {
            for taken in min...count {
                if next(&self, position + taken) { return true }
                steps += 1
                if steps > SchemaRegex.stepBudget { return false }
            }
        }
        return false
    }

    mutating func repetition(_ inner: SchemaRegex.Node, _ min: Int, _ max: Int, _ greedy: Bool, _ count: Int,
                             _ position: Int, _ next: (inout SchemaRegexRun, Int) -> Bool) -> Bool {
        if count < min {
            return match(inner, position) { run, end in run.repetition(inner, min, max, greedy, count + 1, end, next) }
        }
        // Another round must consume something, or `(a*)*` would loop for ever.
        if greedy {
            if count < max && match(inner, position, { run, end in
                end != position && run.repetition(inner, min, max, greedy, count + 1, end, next)
            }) { return true }
            return next(&self, position)
        }
        if next(&self, position) { return true }
        return count < max && match(inner, position) { run, end in
            end != position && run.repetition(inner, min, max, greedy, count + 1, end, next)
        }
    }
}
