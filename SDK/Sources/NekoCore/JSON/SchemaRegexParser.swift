/// Parses the subset of ECMA-262 regular expressions that ``SchemaRegex``
/// runs; answers `nil` for anything else (the pattern then goes to `Regex`).
struct SchemaRegexParser {
    typealias Node = SchemaRegex.Node
    typealias Atom = SchemaRegex.Atom

    let source: [UInt32]
    var position = 0

    init(_ source: [UInt32]) {
        self.source = source
    }

    static let digits: [ClosedRange<UInt32>] = [0x30...0x39]
    static let word: [ClosedRange<UInt32>] = [0x30...0x39, 0x41...0x5A, 0x5F...0x5F, 0x61...0x7A]
    /// ECMA-262's WhiteSpace and LineTerminator.
    static let space: [ClosedRange<UInt32>] = [
        0x09...0x0D, 0x20...0x20, 0xA0...0xA0, 0x1680...0x1680, 0x2000...0x200A, 0x2028...0x2029,
        0x202F...0x202F, 0x205F...0x205F, 0x3000...0x3000, 0xFEFF...0xFEFF,
    ]
    /// The characters that an escape makes literal.
    static let syntax = Set("^$\\.*+?()[]{}|/-".unicodeScalars.map(\.value))

    var peek: UInt32? { position < source.count ? source[position] : nil }

    func char(_ text: Unicode.Scalar) -> UInt32 { text.value }

    mutating func parse() -> Node? {
        guard let node = alternation(), position == source.count else { return nil }
        return node
    }

    mutating func alternation() -> Node? {
        var options: [Node] = []
        repeat {
            guard let option = sequence() else { return nil }
            options.append(option)
        } while eat("|")
        return options.count == 1 ? options[0] : .alternation(options)
    }

    mutating func sequence() -> Node? {
        var nodes: [Node] = []
        while let next = peek, next != char("|"), next != char(")") {
            guard let atom = atom() else { return nil }
            guard let piece = quantified(atom) else { return nil }
            nodes.append(piece)
        }
        return nodes.count == 1 ? nodes[0] : .sequence(nodes)
    }

    mutating func eat(_ text: Unicode.Scalar) -> Bool {
        guard peek == text.value else { return false }
        position += 1
        return true
    }

    mutating func quantified(_ node: Node) -> Node? {
        let bounds: (Int, Int)
        if eat("*") { bounds = (0, .max) }
        else if eat("+") { bounds = (1, .max) }
        else if eat("?") { bounds = (0, 1) }
        else if peek == char("{") {
            position += 1
            guard let min = number() else { return nil }
            var max = min
            if eat(",") { max = number() ?? .max }
            guard eat("}"), min <= max else { return nil }
            bounds = (min, max)
        } else {
            return node
        }
        switch node {
        case .start, .end: return nil
        default: break
        }
        let greedy = !eat("?")
        if peek.map({ [char("*"), char("+"), char("?"), char("{")].contains($0) }) == true { return nil }
        return .repetition(node, min: bounds.0, max: bounds.1, greedy: greedy)
    }

    mutating func number() -> Int? {
        var value = 0, digits = 0
        while let next = peek, next >= 0x30, next <= 0x39, digits < 6 {
            value = value * 10 + Int(next - 0x30)
            digits += 1
            position += 1
        }
        return digits > 0 ? value : nil
    }

    mutating func atom() -> Node? {
        guard let next = peek else { return nil }
        position += 1
        switch next {
        case char("^"): return .start
        case char("$"): return .end
        case char("."): return .atom(.any)
        case char("("):
            if eat("?") { guard eat(":") else { return nil } }  // lookaround, named groups: not here
            guard let inner = alternation(), eat(")") else { return nil }
            return inner
        case char("["): return characterClass().map(Node.atom)
        case char("\\"): return escape(inClass: false).map { .atom($0) }
        case char("*"), char("+"), char("?"), char("{"), char("}"), char("]"), char(")"): return nil
        default: return .atom(.scalar(next))
        }
    }

    /// After a `\`: a class escape or one code point.
    mutating func escape(inClass: Bool) -> Atom? {
        guard let next = peek else { return nil }
        position += 1
        switch next {
        case char("d"): return .set(Self.digits, negated: false)
        case char("D"): return inClass ? nil : .set(Self.digits, negated: true)
        case char("w"): return .set(Self.word, negated: false)
        case char("W"): return inClass ? nil : .set(Self.word, negated: true)
        case char("s"): return .set(Self.space, negated: false)
        case char("S"): return inClass ? nil : .set(Self.space, negated: true)
        case char("t"): return .scalar(0x09)
        case char("n"): return .scalar(0x0A)
        case char("v"): return .scalar(0x0B)
        case char("f"): return .scalar(0x0C)
        case char("r"): return .scalar(0x0D)
        case char("b") where inClass: return .scalar(0x08)
        case char("0") where !(peek.map { $0 >= 0x30 && $0 <= 0x39 } ?? false): return .scalar(0)
        case char("x"): return hex(2).map { .scalar($0) }
        case char("u"):
            if eat("{") {
                var value: UInt32 = 0, digits = 0
                while let digit = peek.flatMap({ $0 < 128 ? SchemaCompiler.hexValue(UInt8($0)) : nil }), digits < 6 {
                    value = value * 16 + UInt32(digit)
                    digits += 1
                    position += 1
                }
                guard digits > 0, eat("}"), value <= 0x10FFFF else { return nil }
                return .scalar(value)
            }
            return hex(4).map { .scalar($0) }
        default:
            return Self.syntax.contains(next) ? .scalar(next) : nil  // \b, \1, \p{...}, \c...: not here
        }
    }

    mutating func hex(_ count: Int) -> UInt32? {
        var value: UInt32 = 0
        for _ in 0..<count {
            guard let next = peek, next < 128, let digit = SchemaCompiler.hexValue(UInt8(next)) else { return nil }
            value = value * 16 + UInt32(digit)
            position += 1
        }
        return value
    }

    /// After a `[`: ranges up to the closing `]`.
    mutating func characterClass() -> Atom? {
        let negated = eat("^")
        var ranges: [ClosedRange<UInt32>] = []
        while let next = peek, next != char("]") {
            guard let low = classMember() else { return nil }
            if case .set(let set, _) = low {
                ranges += set
                continue
            }
            guard case .scalar(let first) = low else { return nil }
            if peek == char("-"), position + 1 < source.count, source[position + 1] != char("]") {
                position += 1
                guard case .scalar(let last)? = classMember(), first <= last else { return nil }
                ranges.append(first...last)
            } else {
                ranges.append(first...first)
            }
        }
        guard eat("]") else { return nil }
        return .set(ranges, negated: negated)
    }

    mutating func classMember() -> Atom? {
        guard let next = peek else { return nil }
        position += 1
        if next == char("\\") { return escape(inClass: true) }
        if next == char("[") { return nil }  // ECMA takes it literally; keep such patterns for Regex
        return .scalar(next)
    }
}
