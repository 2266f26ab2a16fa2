import ArgumentParser
import Foundation
import NekoPackage

/// `nekoctl verify FILE` / `nekoctl verify --installed ID`.
struct Verify: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check a package: every file's sha256, the signature, and that plugin.toml agrees with the record; name the signer.",
        discussion: "With --installed ID, check an installed plugin's files against the record it was installed from.")

    @OptionGroup var host: HostOptionsGroup

    @Argument(help: "The package (.nekoplugin), or with --installed the plugin id.")
    var target: String

    @Flag(help: "Check the installed plugin TARGET instead of a package file.")
    var installed = false

    @Flag(help: "Fail unless the package is signed by a trusted key.")
    var requireSignature = false

    func run() throws {
        try Packaging.run {
            let trust = TrustStore(folder: NekoHome().trusted)
            if installed {
                let installation = Installation(root: host.resolvedRoots[0])
                let state = try installation.installed(target)
                try installation.checkFiles(target)
                Terminal.out("ok: \(target) \(state.record.version): every file matches its record (\(state.record.files.count) files); package sha256 \(state.packageHash), signer \(state.signerDescription)")
                return
            }
            let result = try PackageVerifier.verify(path: target, trust: trust, requireTrusted: requireSignature)
            Terminal.out("ok: \(result.record.id) \(result.record.version): \(result.record.files.count) files match the record; signer: \(result.signer); package sha256 \(result.packageHash)")
        }
    }
}
