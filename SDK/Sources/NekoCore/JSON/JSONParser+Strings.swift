/// String parsing: escapes, surrogate pairs and UTF-8 validation.
extension JSONParser {
    /// Parses a string whose opening quote is at `index`.
    mutating func parseString() throws(JSONParseError) -> String {
        let quote = index
        var i = index + 1
        while i < end {
            let byte = input[i]
            if byte == UInt8(ascii: "\"") {
                index = i + 1
                return Self.string(UnsafeBufferPointer(rebasing: input[(quote + 1)..<i]))
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

    /// Makes a string of UTF-8 that has been validated. (This initializer
    /// checks it again, but costs less than `String(decoding:as:)`.)
    @inline(__always) static func string(_ utf8: UnsafeBufferPointer<UInt8>) -> String {
        String(unsafeUninitializedCapacity: utf8.count) { storage in
            _ = storage.initialize(fromContentsOf: utf8)
            return utf8.count
        }
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
                return scratch.withUnsafeBufferPointer(Self.string)
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
}
