import NekoABI

/// The one version rule of the plugin ABI (docs/ABI.md, "Versioning"),
/// checked twice: before the library is opened (the manifest alone), and
/// after `neko_plugin_register` (the descriptor too).
///
/// - The manifest's `[plugin].abi` is the *minimum* host ABI the plugin needs.
/// - The descriptor's `abi` is the ABI the plugin was *built with*.
/// - The majors of the host, the manifest and the descriptor must be equal.
/// - A host whose minor is at least the manifest's loads the plugin, even when
///   the descriptor's minor is newer than the host's: the host reads only the
///   fields it knows. A host older than the minimum refuses before `dlopen`.
/// - A descriptor is at least `NEKO_PLUGIN_SIZE_1_0` bytes, and built with a
///   minor at least the manifest's minimum (a library built with older
///   headers cannot need a newer host: a stale build).
enum VersionRule {
    typealias Version = PluginManifest.ABIVersion

    /// What a registered library says about its build.
    struct Descriptor {
        /// The descriptor's `abi`: the version the plugin was built with, eg 1.1.
        let abi: Version
        /// The descriptor's `struct_size`, eg 160.
        let size: Int
    }

    /// Checks `manifest` (and `descriptor`, once registered) against `host`.
    ///
    /// - Throws: a ``LoadFailure`` of phase ``LoadPhase/abi`` that names the
    ///   file at fault (plugin.toml or the library) and both versions.
    static func check(_ manifest: PluginManifest, descriptor: Descriptor? = nil, host: Version = .host) throws(LoadFailure) {
        let minimum = manifest.abi
        let needs = "\(manifest.manifestPath): [plugin].abi = \"\(minimum)\" (the oldest host ABI the plugin runs on), this host speaks ABI \(host)"
        guard minimum.major == host.major else {
            throw LoadFailure(.abi, "\(needs); the majors must match: rebuild the plugin against neko_abi.h \(host.major).x")
        }
        guard minimum.minor <= host.minor else {
            throw LoadFailure(.abi, "\(needs); the plugin needs a newer host (ABI \(minimum) or a later \(minimum.major).x)")
        }
        guard let descriptor else { return }
        let library = manifest.libraryPath
        guard descriptor.abi.major == host.major else {
            throw LoadFailure(.abi, "\(library): built with ABI \(descriptor.abi), this host speaks ABI \(host); the majors must match: rebuild the plugin against neko_abi.h \(host.major).x")
        }
        guard descriptor.abi.minor >= minimum.minor else {
            throw LoadFailure(.abi, "\(library): built with ABI \(descriptor.abi), but \(manifest.manifestPath) says [plugin].abi = \"\(minimum)\" (the oldest host ABI the plugin runs on); a library built with \(descriptor.abi) headers cannot need \(minimum): a stale build, or a wrong [plugin].abi?")
        }
        guard descriptor.size >= Int(NEKO_PLUGIN_SIZE_1_0) else {
            throw LoadFailure(.abi, "\(library): descriptor struct_size is \(descriptor.size) bytes, expected at least \(NEKO_PLUGIN_SIZE_1_0) (the ABI 1.0 size) for a plugin built with ABI \(descriptor.abi)")
        }
    }
}
