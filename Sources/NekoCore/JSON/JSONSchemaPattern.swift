/// A compiled `pattern`: a regular expression searched anywhere in a string,
/// as ECMA-262 does it with the `u` flag.
///
/// Compiled once, with the schema. It matches code point by code point (not
/// by grapheme cluster), and `\d` and `\w` are ASCII only, as in ECMA-262.
/// Swift's `Regex` runs it: in the standard library, so NekoCore needs no
/// Foundation, and it measured no slower than `NSRegularExpression` on the
/// patterns schemas use (a few µs a match either way; see the bench).
struct SchemaPattern: @unchecked Sendable {
    // `Regex` is an immutable value whose lazily built program is published
    // atomically; sharing it across threads is safe.
    let regex: Regex<AnyRegexOutput>
    /// The pattern as written, for messages.
    let source: String

    init(_ source: String) throws {
        self.source = source
        regex = try Regex(source)
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
