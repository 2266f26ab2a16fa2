import NekoABI

/// What a Neko binary records about how it was built, so that a host can
/// refuse a plugin that cannot work with it.
@_spi(Neko) public enum BuildStamp {
    /// The Swift compiler that built this module, eg `"6.3.1"`.
    ///
    /// Swift promises no ABI stability on Linux, so a host refuses a Swift
    /// plugin whose stamp differs from its own. Both sides compile this same
    /// file, so the comparison is exact to the patch release.
    @_spi(Neko) public static let swiftCompiler: String = {
        #if compiler(>=7.0)
        return "7+"
        #elseif compiler(>=6.4)
        return "6.4"
        #elseif compiler(>=6.3.3)
        return "6.3.3"
        #elseif compiler(>=6.3.2)
        return "6.3.2"
        #elseif compiler(>=6.3.1)
        return "6.3.1"
        #elseif compiler(>=6.3)
        return "6.3.0"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "older than 6.2"
        #endif
    }()

    /// The ABI version this binary speaks (`NEKO_ABI_VERSION_MAJOR.MINOR`).
    @_spi(Neko) public static let abi = neko_abi_version(major: UInt32(NEKO_ABI_VERSION_MAJOR), minor: UInt32(NEKO_ABI_VERSION_MINOR))

    /// The build configuration this module was compiled in: `"debug"` or
    /// `"release"` (SwiftPM defines `DEBUG` in debug builds). A plugin's SDK
    /// says it in the descriptor's `sdk` (eg `"NekoPlugin 0.1.0 release"`), and
    /// a host warns when it differs from its own: such a plugin works (the
    /// configuration changes no layout), but runs at another speed than the
    /// host's build promises.
    @_spi(Neko) public static let configuration: String = {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }()

    /// The product version of Neko (not the ABI version).
    @_spi(Neko) public static let nekoVersion = "0.1.0"
}
