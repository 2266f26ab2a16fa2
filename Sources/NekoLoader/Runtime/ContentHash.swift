/// A 64-bit hash (FNV-1a over 64-bit words, then a final mix) that names
/// private library copies by their file's identity.
///
/// A cache key, not a security boundary: it only has to tell two versions of
/// one plugin's library apart.
enum ContentHash {
    static func hex(of words: [UInt64]) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for word in words { hash = (hash ^ word) &* 0x0000_0100_0000_01b3 }
        // Final avalanche (from SplitMix64), so that close inputs differ in every digit.
        hash ^= hash >> 30
        hash &*= 0xbf58_476d_1ce4_e5b9
        hash ^= hash >> 27
        hash &*= 0x94d0_49bb_1331_11eb
        hash ^= hash >> 31
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
