extension JSON {
    /// How deeply arrays and objects may nest before ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)``
    /// gives up with ``JSONParseError/Kind/tooDeeplyNested`` rather than risk the stack.
    public static let defaultMaximumDepth = 512

    /// Parses one JSON document from UTF-8 bytes, strictly as RFC 8259 says.
    ///
    /// Rejects, with the line and column: trailing characters after the value,
    /// leading zeros, a missing digit, numbers beyond the range of `Double`,
    /// invalid UTF-8, unescaped control characters and unknown escapes in
    /// strings, unpaired surrogates in `\u` escapes, duplicate keys in an
    /// object, and nesting deeper than `maximumDepth` arrays and objects.
    /// A byte order mark is not accepted.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maximumDepth: Int = defaultMaximumDepth
    ) throws(JSONParseError) -> JSON {
        let input = UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        var parser = JSONParser(input: input, maximumDepth: maximumDepth)
        return try parser.parseDocument()
    }

    /// Parses one JSON document from UTF-8 bytes; see ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSON {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maximumDepth: maximumDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON document from text; see ``parse(_:maximumDepth:)-(UnsafeRawBufferPointer,_)``.
    public static func parse(_ text: String, maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSON {
        var text = text
        let result = text.withUTF8 { buffer in
            Result { () throws(JSONParseError) in try parse(UnsafeRawBufferPointer(buffer), maximumDepth: maximumDepth) }
        }
        return try result.get()
    }
}

/// A recursive-descent parser over a buffer of UTF-8 bytes.
struct JSONParser {
    let input: UnsafeBufferPointer<UInt8>
    let end: Int
    let maximumDepth: Int
    /// The offset of the next byte to read.
    var index = 0
    /// Reused storage for strings that contain escapes.
    var scratch: [UInt8] = []

    init(input: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.input = input
        self.end = input.count
        self.maximumDepth = maximumDepth
    }

    mutating func parseDocument() throws(JSONParseError) -> JSON {
        skipWhitespace()
        let value = try parseValue(depth: 0, expecting: "expected a JSON value")
        skipWhitespace()
        guard index == end else {
            throw error(.trailingCharacters, "expected the end of the input after the JSON value", at: index)
        }
        return value
    }

    // MARK: Values

    mutating func parseValue(depth: Int, expecting expectation: StaticString) throws(JSONParseError) -> JSON {
        guard index < end else { throw unexpected(expectation, at: index) }
        switch input[index] {
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "t"): try parseLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try parseLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try parseLiteral("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return try parseNumber()
        default: throw unexpected(expectation, at: index)
        }
    }

    mutating func parseObject(depth: Int) throws(JSONParseError) -> JSON {
        try checkDepth(depth)
        index += 1
        skipWhitespace()
        if index < end, input[index] == UInt8(ascii: "}") {
            index += 1
            return .object(JSONObject())
        }
        var members: [JSONObject.Element] = []
        members.reserveCapacity(8)
        var keySet: Set<String>? = nil  // only for large objects, to keep duplicate checks linear
        var expectation: StaticString = "expected a string key or '}'"
        while true {
            guard index < end, input[index] == UInt8(ascii: "\"") else { throw unexpected(expectation, at: index) }
            let keyStart = index
            let key = try parseString()
            let isDuplicate: Bool
            if keySet != nil {
                isDuplicate = !keySet!.insert(key).inserted
            } else if members.count >= 16 {
                keySet = Set(members.lazy.map(\.key))
                isDuplicate = !keySet!.insert(key).inserted
            } else {
                isDuplicate = members.contains { $0.key == key }
            }
            if isDuplicate {
                throw error(.duplicateKey, "duplicate key \(JSON.string(key)) in an object", at: keyStart)
            }
            skipWhitespace()
            guard index < end, input[index] == UInt8(ascii: ":") else {
                throw unexpected("expected ':' after an object key", at: index)
            }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth, expecting: "expected a value after ':'")
            members.append((key: key, value: value))
            skipWhitespace()
            guard index < end else { throw unexpected("expected ',' or '}' after an object member", at: index) }
            switch input[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                expectation = "expected a string key after ','"
            case UInt8(ascii: "}"):
                index += 1
                return .object(JSONObject(uniqueMembers: members))
            default:
                throw unexpected("expected ',' or '}' after an object member", at: index)
            }
        }
    }

    mutating func parseArray(depth: Int) throws(JSONParseError) -> JSON {
        try checkDepth(depth)
        index += 1
        skipWhitespace()
        if index < end, input[index] == UInt8(ascii: "]") {
            index += 1
            return .array([])
        }
        var elements: [JSON] = []
        elements.reserveCapacity(8)
        var expectation: StaticString = "expected a value or ']'"
        while true {
            elements.append(try parseValue(depth: depth, expecting: expectation))
            skipWhitespace()
            guard index < end else { throw unexpected("expected ',' or ']' after an array element", at: index) }
            switch input[index] {
            case UInt8(ascii: ","):
                index += 1
                skipWhitespace()
                expectation = "expected a value after ','"
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default:
                throw unexpected("expected ',' or ']' after an array element", at: index)
            }
        }
    }

    mutating func parseLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
        for offset in 0..<count {
            guard index + offset < end else {
                throw error(.unexpectedEndOfInput, "unexpected end of input, expected '\(literal)'", at: index + offset)
            }
            guard input[index + offset] == expected[offset] else {
                throw error(.unexpectedCharacter, "expected '\(literal)'", at: index)
            }
        }
        index += count
    }

    // MARK: Numbers

    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = index
        var i = index
        let isNegative = input[i] == UInt8(ascii: "-")
        if isNegative { i += 1 }
        guard i < end, Self.isDigit(input[i]) else { throw unexpected("expected a digit after '-'", at: i) }

        // Accumulate up to 19 significant digits exactly; beyond that the
        // number takes the slow path anyway.
        var mantissa: UInt64 = 0
        var exponent = 0
        var isTruncated = false
        var isInteger = true
        if input[i] == UInt8(ascii: "0") {
            i += 1
            if i < end, Self.isDigit(input[i]) {
                throw error(.invalidNumber, "leading zeros are not allowed in numbers", at: start)
            }
        } else {
            while i < end, Self.isDigit(input[i]) {
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa &* 10 &+ UInt64(input[i] &- UInt8(ascii: "0"))
                } else {
                    isTruncated = true
                    exponent += 1
                }
                i += 1
            }
        }
        if i < end, input[i] == UInt8(ascii: ".") {
            isInteger = false
            i += 1
            guard i < end, Self.isDigit(input[i]) else { throw unexpected("expected a digit after the decimal point", at: i) }
            while i < end, Self.isDigit(input[i]) {
                if mantissa < 1_000_000_000_000_000_000 {
                    mantissa = mantissa &* 10 &+ UInt64(input[i] &- UInt8(ascii: "0"))
                    exponent -= 1
                } else {
                    isTruncated = true
                }
                i += 1
            }
        }
        if i < end, input[i] == UInt8(ascii: "e") || input[i] == UInt8(ascii: "E") {
            isInteger = false
            i += 1
            var isExponentNegative = false
            if i < end, input[i] == UInt8(ascii: "+") || input[i] == UInt8(ascii: "-") {
                isExponentNegative = input[i] == UInt8(ascii: "-")
                i += 1
            }
            guard i < end, Self.isDigit(input[i]) else { throw unexpected("expected a digit in the exponent", at: i) }
            var written = 0
            while i < end, Self.isDigit(input[i]) {
                if written < 100_000 { written = written * 10 + Int(input[i] &- UInt8(ascii: "0")) }
                i += 1
            }
            exponent += isExponentNegative ? -written : written
        }
        index = i

        if isInteger && !isTruncated {
            if !isNegative, mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if isNegative, mantissa != 0, mantissa <= UInt64(Int64.max) + 1 { return .int(Int64(bitPattern: 0 &- mantissa)) }
        }
        if mantissa == 0 && !isTruncated { return .double(isNegative ? -0.0 : 0.0) }
        // Clinger's fast path: both operands are exact, so one rounding gives the right answer.
        if !isTruncated, mantissa <= 1 << 53, exponent >= -22, exponent <= 22 {
            let magnitude = exponent < 0
                ? Double(mantissa) / Self.powersOfTen[-exponent]
                : Double(mantissa) * Self.powersOfTen[exponent]
            return .double(isNegative ? -magnitude : magnitude)
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: input[start..<i]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw error(.invalidNumber, "number \(text) is out of range", at: start)
        }
        return .double(value)
    }

    static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") < 10
    }

    // MARK: Strings

    /// Parses a string whose opening quote is at `index`.
    mutating func parseString() throws(JSONParseError) -> String {
        let quote = index
        var i = index + 1
        while i < end {
            let byte = input[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: UnsafeBufferPointer(rebasing: input[(quote + 1)..<i]), as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(openedAt: quote, firstEscapeAt: i)
            } else if byte < 0x20 {
                throw controlCharacter(byte, at: i)
            } else if byte < 0x80 {
                i += 1
            } else {
                i = try endOfUTF8Sequence(at: i)
            }
        }
        throw error(.unexpectedEndOfInput, "unterminated string", at: quote)
    }

    /// Finishes a string that has an escape, decoding into `scratch`.
    mutating func parseEscapedString(openedAt quote: Int, firstEscapeAt first: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[(quote + 1)..<first]))
        var i = first
        while i < end {
            let byte = input[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                guard i + 1 < end else { break }
                switch input[i + 1] {
                case UInt8(ascii: "\""): scratch.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): scratch.append(UInt8(ascii: "\\"))
                case UInt8(ascii: "/"): scratch.append(UInt8(ascii: "/"))
                case UInt8(ascii: "b"): scratch.append(0x08)
                case UInt8(ascii: "f"): scratch.append(0x0C)
                case UInt8(ascii: "n"): scratch.append(0x0A)
                case UInt8(ascii: "r"): scratch.append(0x0D)
                case UInt8(ascii: "t"): scratch.append(0x09)
                case UInt8(ascii: "u"):
                    i = try parseUnicodeEscape(at: i)
                    continue
                default:
                    let shown = input[i + 1] < 0x80 && input[i + 1] >= 0x20
                        ? "'\\\(Character(Unicode.Scalar(input[i + 1])))'" : "'\\' followed by byte \(Self.hex(input[i + 1], digits: 2))"
                    throw error(.invalidString, "invalid escape sequence \(shown) in a string", at: i)
                }
                i += 2
            } else if byte < 0x20 {
                throw controlCharacter(byte, at: i)
            } else if byte < 0x80 {
                scratch.append(byte)
                i += 1
            } else {
                let next = try endOfUTF8Sequence(at: i)
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: input[i..<next]))
                i = next
            }
        }
        throw error(.unexpectedEndOfInput, "unterminated string", at: quote)
    }

    /// Decodes the `\uXXXX` escape (or surrogate pair) at `i` into `scratch`;
    /// returns the offset after it.
    mutating func parseUnicodeEscape(at i: Int) throws(JSONParseError) -> Int {
        let unit = try hexQuad(at: i)
        var scalarValue = UInt32(unit)
        var next = i + 6
        switch unit {
        case 0xD800...0xDBFF:
            guard next + 1 < end, input[next] == UInt8(ascii: "\\"), input[next + 1] == UInt8(ascii: "u"),
                  case let low = try hexQuad(at: next), (0xDC00...0xDFFF).contains(low)
            else {
                throw error(.invalidString, "unpaired surrogate \\u\(Self.hex(unit, digits: 4, prefix: "")) in a string", at: i)
            }
            scalarValue = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        case 0xDC00...0xDFFF:
            throw error(.invalidString, "unpaired surrogate \\u\(Self.hex(unit, digits: 4, prefix: "")) in a string", at: i)
        default:
            break
        }
        let scalar = Unicode.Scalar(scalarValue)!  // surrogates were handled above
        scratch.append(contentsOf: UTF8.encode(scalar)!)
        return next
    }

    /// Reads the four hexadecimal digits of the `\u` escape at `i`.
    func hexQuad(at i: Int) throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for offset in 2..<6 {
            guard i + offset < end else { throw error(.unexpectedEndOfInput, "unterminated string", at: i + offset) }
            let byte = input[i + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error(.invalidString, "invalid \\u escape, expected four hexadecimal digits", at: i)
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    /// Checks the multi-byte UTF-8 sequence that starts at `i` (RFC 3629:
    /// no overlong forms, no surrogates, nothing above U+10FFFF) and returns
    /// the offset after it.
    func endOfUTF8Sequence(at i: Int) throws(JSONParseError) -> Int {
        let lead = input[i]
        let length: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; secondRange = 0xA0...0xBF
        case 0xED: length = 3; secondRange = 0x80...0x9F
        case 0xE1...0xEF: length = 3
        case 0xF0: length = 4; secondRange = 0x90...0xBF
        case 0xF4: length = 4; secondRange = 0x80...0x8F
        case 0xF1...0xF3: length = 4
        default: throw error(.invalidUTF8, "invalid UTF-8 byte \(Self.hex(lead, digits: 2)) in a string", at: i)
        }
        for offset in 1..<length {
            let range = offset == 1 ? secondRange : 0x80...0xBF
            guard i + offset < end, range.contains(input[i + offset]) else {
                throw error(.invalidUTF8, "invalid UTF-8 sequence starting with byte \(Self.hex(lead, digits: 2)) in a string", at: i)
            }
        }
        return i + length
    }

    // MARK: Helpers

    @inline(__always) mutating func skipWhitespace() {
        while index < end {
            switch input[index] {
            case 0x20, 0x0A, 0x0D, 0x09: index += 1
            default: return
            }
        }
    }

    func checkDepth(_ depth: Int) throws(JSONParseError) {
        guard depth <= maximumDepth else {
            throw error(.tooDeeplyNested, "arrays and objects nested more than \(maximumDepth) deep", at: index)
        }
    }

    func error(_ kind: JSONParseError.Kind, _ reason: String, at offset: Int) -> JSONParseError {
        JSONParseError(kind, reason, at: offset, in: input)
    }

    /// The error for a missing `expectation` at `offset`: the end of the input, or an unexpected character.
    func unexpected(_ expectation: StaticString, at offset: Int) -> JSONParseError {
        offset >= end
            ? error(.unexpectedEndOfInput, "unexpected end of input, \(expectation)", at: offset)
            : error(.unexpectedCharacter, "\(expectation)", at: offset)
    }

    func controlCharacter(_ byte: UInt8, at offset: Int) -> JSONParseError {
        error(.invalidString, "unescaped control character \(Self.hex(byte, digits: 4, prefix: "U+")) in a string", at: offset)
    }

    static func hex(_ value: some BinaryInteger, digits: Int, prefix: String = "0x") -> String {
        let text = String(value, radix: 16, uppercase: true)
        return prefix + String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}
