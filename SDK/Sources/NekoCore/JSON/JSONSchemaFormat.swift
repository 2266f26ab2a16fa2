/// The `format`s that are checked; any other format is an annotation.
///
/// Each check is a hand-written scan of the UTF-8 bytes (no Foundation, no
/// regular expression).
enum SchemaFormat: String, Sendable {
    /// RFC 3339 `date-time`: `2026-12-02T01:43:54Z`, `2026-12-02t01:43:54.5+01:00`.
    case dateTime = "date-time"
    /// RFC 3339 `full-date`: `2026-12-02`.
    case date
    /// RFC 3339 `full-time`: `01:43:54Z`, `23:59:60+00:00`.
    case time
    /// An absolute URI (RFC 3986): a scheme, then only URI characters.
    case uri
    /// An email address (RFC 5321 mailbox, ASCII): `ada@example.com`.
    case email
    /// A UUID (RFC 9562): `123e4567-e89b-12d3-a456-426614174000`.
    case uuid

    /// What a valid value is, for messages: `a date-time (RFC 3339)`.
    var expectation: String {
        switch self {
        case .dateTime: "a date-time (RFC 3339, eg 2026-12-02T01:43:54Z)"
        case .date: "a date (RFC 3339, eg 2026-12-02)"
        case .time: "a time (RFC 3339, eg 01:43:54Z)"
        case .uri: "an absolute URI (eg https://example.com/a)"
        case .email: "an email address"
        case .uuid: "a UUID (eg 123e4567-e89b-12d3-a456-426614174000)"
        }
    }

    /// Whether `text` is in this format.
    func allows(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            switch self {
            case .dateTime: Self.isDateTime(bytes[...])
            case .date: Self.isDate(bytes[...])
            case .time: Self.isTime(bytes[...])
            case .uri: Self.isURI(bytes[...])
            case .email: Self.isEmail(bytes[...])
            case .uuid: Self.isUUID(bytes[...])
            }
        }
    }

    typealias Bytes = Slice<UnsafeBufferPointer<UInt8>>

    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    static func isHex(_ byte: UInt8) -> Bool { SchemaCompiler.hexValue(byte) != nil }

    static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A }

    /// The number written by `count` digits at `start`, or `nil`.
    static func number(_ bytes: Bytes, _ start: Int, _ count: Int) -> Int? {
        guard bytes.count >= start + count else { return nil }
        var value = 0
        for offset in start..<(start + count) {
            let byte = bytes[bytes.startIndex + offset]
            guard isDigit(byte) else { return nil }
            value = value * 10 + Int(byte - 0x30)
        }
        return value
    }

    static func byte(_ bytes: Bytes, _ offset: Int) -> UInt8? {
        offset < bytes.count ? bytes[bytes.startIndex + offset] : nil
    }

    static func isDateTime(_ bytes: Bytes) -> Bool {
        guard bytes.count > 11, let separator = byte(bytes, 10), separator | 0x20 == UInt8(ascii: "t") else { return false }
        return isDate(bytes.prefix(10)) && isTime(bytes.dropFirst(11))
    }

    static func isDate(_ bytes: Bytes) -> Bool {
        guard bytes.count == 10, byte(bytes, 4) == UInt8(ascii: "-"), byte(bytes, 7) == UInt8(ascii: "-"),
              let year = number(bytes, 0, 4), let month = number(bytes, 5, 2), let day = number(bytes, 8, 2),
              (1...12).contains(month), day >= 1 else { return false }
        let isLeap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, isLeap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }

    /// `HH:MM:SS[.fraction](Z|+HH:MM|-HH:MM)`.
    static func isTime(_ bytes: Bytes) -> Bool {
        guard bytes.count >= 9, byte(bytes, 2) == UInt8(ascii: ":"), byte(bytes, 5) == UInt8(ascii: ":"),
              let hour = number(bytes, 0, 2), let minute = number(bytes, 3, 2), let second = number(bytes, 6, 2),
              hour <= 23, minute <= 59, second <= 60 else { return false }
        var offset = 8
        if byte(bytes, offset) == UInt8(ascii: ".") {
            offset += 1
            let digits = offset
            while let next = byte(bytes, offset), isDigit(next) { offset += 1 }
            guard offset > digits else { return false }
        }
        guard let zone = byte(bytes, offset) else { return false }
        if zone | 0x20 == UInt8(ascii: "z") { return offset + 1 == bytes.count }
        guard zone == UInt8(ascii: "+") || zone == UInt8(ascii: "-"), bytes.count == offset + 6,
              byte(bytes, offset + 3) == UInt8(ascii: ":"),
              let zoneHour = number(bytes, offset + 1, 2), let zoneMinute = number(bytes, offset + 4, 2) else { return false }
        return zoneHour <= 23 && zoneMinute <= 59
    }

    /// `scheme:rest`, the scheme a letter then letters, digits, `+`, `-`, `.`;
    /// the rest only unreserved, reserved and `%XX`-escaped characters.
    static func isURI(_ bytes: Bytes) -> Bool {
        guard let first = byte(bytes, 0), isLetter(first) else { return false }
        var offset = 1
        while let next = byte(bytes, offset), isLetter(next) || isDigit(next) || next == UInt8(ascii: "+")
                || next == UInt8(ascii: "-") || next == UInt8(ascii: ".") {
            offset += 1
        }
        guard byte(bytes, offset) == UInt8(ascii: ":") else { return false }
        offset += 1
        while let next = byte(bytes, offset) {
            if next == UInt8(ascii: "%") {
                guard let high = byte(bytes, offset + 1), let low = byte(bytes, offset + 2), isHex(high), isHex(low) else { return false }
                offset += 3
                continue
            }
            guard isLetter(next) || isDigit(next) || uriPunctuation.contains(next) else { return false }
            offset += 1
        }
        return true
    }

    /// Unreserved and reserved punctuation of RFC 3986.
    static let uriPunctuation = Set("-._~:/?#[]@!$&'()*+,;=".utf8)

    /// `local@domain`: a dot-atom or quoted local part of at most 64 bytes;
    /// a host name of labels (letters, digits, inner hyphens) or `[address]`.
    static func isEmail(_ bytes: Bytes) -> Bool {
        guard let at = bytes.lastIndex(of: UInt8(ascii: "@")) else { return false }
        let local = bytes[bytes.startIndex..<at], domain = bytes[(at + 1)...]
        guard !local.isEmpty, local.count <= 64, !domain.isEmpty, domain.count <= 253 else { return false }
        if local.first == UInt8(ascii: "\"") {
            guard local.count >= 2, local.last == UInt8(ascii: "\"") else { return false }
            guard local.dropFirst().dropLast().allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else { return false }
        } else {
            guard local.first != UInt8(ascii: "."), local.last != UInt8(ascii: ".") else { return false }
            var previous: UInt8 = 0
            for byte in local {
                guard isLetter(byte) || isDigit(byte) || atomPunctuation.contains(byte) else { return false }
                if byte == UInt8(ascii: ".") && previous == UInt8(ascii: ".") { return false }
                previous = byte
            }
        }
        if domain.first == UInt8(ascii: "[") {
            return domain.count > 2 && domain.last == UInt8(ascii: "]")
                && domain.dropFirst().dropLast().allSatisfy { isHex($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: ":") || isLetter($0) }
        }
        for label in domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty, label.count <= 63, label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-"),
                  label.allSatisfy({ isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") }) else { return false }
        }
        return true
    }

    /// The punctuation of RFC 5322's `atext`, and the dot of a dot-atom.
    static let atomPunctuation = Set("!#$%&'*+-/=?^_`{|}~.".utf8)

    /// `8-4-4-4-12` hexadecimal digits.
    static func isUUID(_ bytes: Bytes) -> Bool {
        guard bytes.count == 36 else { return false }
        for (offset, byte) in bytes.enumerated() {
            if offset == 8 || offset == 13 || offset == 18 || offset == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else {
                guard isHex(byte) else { return false }
            }
        }
        return true
    }
}
