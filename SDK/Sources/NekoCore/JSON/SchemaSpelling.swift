/// Finds the known key that an unknown one most likely misspells, for a
/// "did you mean" hint.
enum SchemaSpelling {
    /// The key of `known` within a small edit distance of `key` (none for
    /// keys of 1 or 2 characters, 1 up to 4 characters, 2 beyond), the
    /// closest first; `nil` if none.
    static func nearest(to key: String, among known: [String]) -> String? {
        let typed = Array(key.unicodeScalars)
        guard typed.count > 2, typed.count <= 64 else { return nil }
        let allowed = typed.count <= 4 ? 1 : 2
        var best: (key: String, distance: Int)? = nil
        for candidate in known {
            let scalars = Array(candidate.unicodeScalars)
            guard abs(scalars.count - typed.count) <= allowed, scalars.count <= 64 else { continue }
            let distance = editDistance(typed, scalars)
            if distance <= allowed, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.key
    }

    /// Levenshtein distance, with a transposition counting as one edit.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
