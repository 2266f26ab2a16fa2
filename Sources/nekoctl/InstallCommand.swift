import ArgumentParser
import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoPackage

/// `nekoctl install FILE|DIR`: verifies a package and installs it atomically.
struct Install: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Verify a package (or pack a plugin folder) and install it into the first plugin root, atomically.",
        discussion: """
            The version it replaces is kept for 'nekoctl rollback ID'; the plugin's data/ and config.json stay. \
            A running 'nekoctl serve' over the same root reloads the plugin.
            """)

    @OptionGroup var host: HostOptionsGroup

    @OptionGroup var server: ServerOptionsGroup

    @Argument(help: "A package (.nekoplugin), or a plugin folder, packed unsigned first.")
    var source: String

    @Flag(help: "Install a version older than the one installed.")
    var downgrade = false

    @Flag(help: "Refuse a package that is not signed by a trusted key ('nekoctl trust').")
    var requireSignature = false

    func run() throws {
        let root = host.resolvedRoots[0]
        var outcome: Installation.Outcome?
        try Packaging.run {
            var path = source
            var scratch: String?
            var isFolder: ObjCBool = false
            if FileManager.default.fileExists(atPath: source, isDirectory: &isFolder), isFolder.boolValue {
                let folder = FileManager.default.temporaryDirectory.path + "/neko-install-\(getpid())"
                try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
                scratch = folder
                path = try Packer.pack(folder: source, key: nil, configuration: Packaging.ownConfiguration, output: folder).path
            }
            defer { if let scratch { try? FileManager.default.removeItem(atPath: scratch) } }
            let installation = Installation(root: root)
            let done = try installation.install(package: path, trust: TrustStore(folder: NekoHome().trusted),
                                                requireTrusted: requireSignature, downgrade: downgrade)
            let record = done.verification.record
            let replaced = done.replaced.map { ", replacing \($0) (kept for 'nekoctl rollback \(record.id)')" } ?? ""
            Terminal.out("installed \(record.id) \(record.version) into \(installation.folder(record.id)) (signer: \(done.verification.signer))\(replaced)")
            outcome = done
        }
        if let outcome {
            Packaging.tellServer(server, host, plugin: outcome.verification.record.id, folder: Installation(root: root).folder(outcome.verification.record.id), loaded: outcome.replaced != nil)
        }
    }
}

/// `nekoctl rollback ID`: back to the version the last install replaced.
struct Rollback: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Go back to the version of a plugin that the last install replaced (data/ and config.json stay).")

    @OptionGroup var host: HostOptionsGroup

    @OptionGroup var server: ServerOptionsGroup

    @Argument(help: "The plugin id.")
    var id: String

    func run() throws {
        let installation = Installation(root: host.resolvedRoots[0])
        try Packaging.run {
            let version = try installation.rollback(id)
            Terminal.out("rolled \(id) back to \(version) in \(installation.folder(id))")
        }
        Packaging.tellServer(server, host, plugin: id, folder: installation.folder(id), loaded: true)
    }
}

/// `nekoctl uninstall ID [--purge]`.
struct Uninstall: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Remove an installed plugin and its previous version; its data/ and config.json stay unless --purge.")

    @OptionGroup var host: HostOptionsGroup

    @OptionGroup var server: ServerOptionsGroup

    @Argument(help: "The plugin id.")
    var id: String

    @Flag(help: "Remove its data/ and config.json too.")
    var purge = false

    func run() throws {
        let installation = Installation(root: host.resolvedRoots[0])
        if let running = server.runningServer(for: host) {
            _ = try? running.client.request("unload", ["plugin": .string(id)], timeout: .seconds(60))
        }
        try Packaging.run {
            try installation.uninstall(id, purge: purge)
            Terminal.out("uninstalled \(id) from \(installation.root)\(purge ? "" : " (its data/ and config.json are kept in \(installation.folder(id)); --purge removes them)")")
        }
    }
}

extension Packaging {
    /// Asks a running `nekoctl serve` over the same roots to reload (or load) `plugin`; says so, or why not.
    static func tellServer(_ server: ServerOptionsGroup, _ host: HostOptionsGroup, plugin: String, folder: String, loaded: Bool) {
        guard let running = server.runningServer(for: host) else { return }
        let outcome = loaded
            ? try? running.client.request("reload", ["plugin": .string(plugin)], timeout: .seconds(120))
            : try? running.client.request("load", ["path": .string(folder)], timeout: .seconds(120))
        switch outcome {
        case .success(let result)?:
            let detail = result["generation"]?.intValue.map { "generation \($0)" } ?? result["state"]?.stringValue ?? "-"
            Terminal.out("\(loaded ? "reloaded" : "loaded") \(plugin) in the nekoctl serve at \(running.path) (\(detail))")
        case .failure(let error)?:
            Terminal.error("warning: installed, but the nekoctl serve at \(running.path) did not \(loaded ? "reload" : "load") \(plugin): \(error)")
        case nil:
            Terminal.error("warning: installed, but the nekoctl serve at \(running.path) did not answer")
        }
    }
}

extension Packaging {
    /// Where the plugin in `folder` came from, for `nekoctl info`: eg
    /// `sha256 ab12…, signed by ada (SHA256:…), trusted when installed; files match the record`,
    /// or nil if it was not installed from a package.
    static func provenance(folder: String) -> String? {
        let installation = Installation(root: (folder as NSString).deletingLastPathComponent)
        let id = (folder as NSString).lastPathComponent
        guard let info = try? installation.installed(id) else { return nil }
        let signer = info.signer == nil ? "unsigned" : "signed by \(info.signerDescription)"
        let files: String
        do {
            try installation.checkFiles(id)
            files = "files match the record"
        } catch {
            files = "FILES CHANGED since install: \(error)"
        }
        return "sha256 \(info.packageHash), \(signer); \(files)"
    }
}

extension Packaging {
    /// `serve --require-signature`: the host asks this before each load.
    static func signaturePolicy() -> @Sendable (PluginManifest) -> String? {
        let trust = TrustStore(folder: NekoHome().trusted)
        return { manifest in SignaturePolicy.refusal(folder: manifest.folder, trust: trust) }
    }
}
