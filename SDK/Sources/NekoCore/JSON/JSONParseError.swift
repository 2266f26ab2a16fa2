/// Why a document is not valid JSON, and where.
///
/// The description names what was expected and the place, the way SQLite
/// reports a syntax error:
///
/// ```text
/// expected ',' or '}' after an object member at line 1, column 14
/// ```
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The broad kind of a parse error, for callers that branch on it.
    public enum Kind: Sendable, Hashable {
        /// The input ended where more was expected (including an empty input).
        case unexpectedEndOfInput
        /// A character that cannot appear at that place.
        case unexpectedCharacter
        /// Characters after the one top-level value.
        case trailingCharacters
        /// A malformed number (a leading zero, a missing digit) or one beyond
        /// the range of `Double`.
        case invalidNumber
        /// A malformed string: an unescaped control character, an unknown
        /// escape, a bad `\u` escape or an unpaired surrogate.
        case invalidString
        /// Bytes that are not valid UTF-8 inside a string.
        case invalidUTF8
        /// An object that has the same key twice.
        case duplicateKey
        /// Arrays and objects nested deeper than the parser allows.
        case tooDeeplyNested
    }

    /// The broad kind of the error.
    public let kind: Kind
    /// What went wrong, without the place, eg `expected ':' after an object key`.
    public let reason: String
    /// The zero-based offset of the offending byte in the input.
    public let offset: Int
    /// The one-based line of the offending byte.
    public let line: Int
    /// The one-based column of the offending byte, counted in Unicode scalars
    /// from the start of its line.
    public let column: Int

    /// Makes an error from its parts.
    public init(kind: Kind, reason: String, offset: Int, line: Int, column: Int) {
        self.kind = kind
        self.reason = reason
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// Makes an error for the byte at `offset` of `input`, working out its line and column.
    init(_ kind: Kind, _ reason: String, at offset: Int, in input: UnsafeBufferPointer<UInt8>) {
        var line = 1
        var column = 1
        for byte in input[..<min(offset, input.count)] {
            if byte == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                // Count scalars, not bytes: continuation bytes do not move the column.
                column += 1
            }
        }
        self.init(kind: kind, reason: reason, offset: offset, line: line, column: column)
    }

    /// The reason and the place, eg
    /// `expected ',' or '}' after an object member at line 1, column 14`.
    public var description: String {
        "\(reason) at line \(line), column \(column)"
    }
}
