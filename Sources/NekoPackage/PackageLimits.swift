/// Caps that keep a hostile archive (a decompression bomb, a huge listing)
/// from filling the disk or memory.
public struct PackageLimits: Sendable {
    /// The most bytes all files may hold once decompressed; default 1 GiB.
    public var totalSize: UInt64 = 1 << 30
    /// The most a file may grow by decompression (uncompressed / compressed),
    /// for files over 1 MiB; default 200.
    public var ratio: UInt64 = 200
    /// The most entries an archive may hold; default 10,000.
    public var entries: Int = 10_000

    /// The default caps.
    public init() {}
}
