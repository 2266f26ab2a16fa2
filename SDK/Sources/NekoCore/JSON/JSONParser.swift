extension JSON {
    /// How deeply arrays and objects may nest before `parse(_:maximumDepth:)`
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

    /// Parses one JSON document from UTF-8 bytes; see `parse(_:maximumDepth:)`.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = defaultMaximumDepth) throws(JSONParseError) -> JSON {
        let result = bytes.withUnsafeBytes { buffer in
            Result { () throws(JSONParseError) in try parse(buffer, maximumDepth: maximumDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON document from text; see `parse(_:maximumDepth:)`.
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
        var members: [JSONObject.Member] = []
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
                let length = key.utf8.count
                isDuplicate = members.contains { $0.key.utf8.count == length && $0.key == key }
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
            members.append(JSONObject.Member(key: key, value: value))
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
