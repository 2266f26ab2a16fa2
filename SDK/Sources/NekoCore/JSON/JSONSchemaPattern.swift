/// A compiled `pattern`: a regular expression searched anywhere in a string,
/// as ECMA-262 does it with the `u` flag.
///
/// Compiled once, with the schema. It matches code point by code point (not
/// by grapheme cluster), and `\d` and `\w` are ASCII only, as in ECMA-262.
/// ``SchemaRegex`` runs the patterns schemas usually have; Swift's `Regex` runs the others, and any match that would take
/// ``SchemaRegex`` too long. `Regex` is in the standard library, so NekoCore
/// needs no Foundation; it measured no slower than `NSRegularExpression`
/// (a few µs a match either way; `neko-bench --validation` shows both).
struct SchemaPattern: @unchecked Sendable {
    // `Regex` is an immutable value whose lazily built program is published
    // atomically; sharing it across threads is safe.
    let regex: Regex<AnyRegexOutput>
    /// The fast matcher, when the pattern is in its subset.
    let fast: SchemaRegex?
    /// The pattern as written, for messages.
    let source: String

    init(_ source: String) throws {
        self.source = source
        regex = try Regex(source)
            .matchingSemantics(.unicodeScalar)
            .asciiOnlyDigits()
            .asciiOnlyWordCharacters()
        fast = SchemaRegex(source)
    }

    /// Whether the pattern matches somewhere in `text`.
    func matches(_ text: String) -> Bool {
        if let answer = fast?.matches(text) { return answer }
        return (try? regex.firstMatch(in: text)) != nil
    }
}
