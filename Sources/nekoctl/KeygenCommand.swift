import ArgumentParser
import Foundation
import NekoPackage

/// `nekoctl keygen NAME`: makes an ed25519 key pair for signing packages.
struct Keygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Make an ed25519 key pair for signing packages: NAME.key (private, 0600) and NAME.pub.",
        discussion: "Never overwrites a key. Give NAME.pub to those who install your packages ('nekoctl trust add NAME.pub').")

    @Argument(help: "The signer's name, eg your user name.")
    var name: String

    @Option(help: ArgumentHelp("The folder for the key files (default: $NEKO_HOME/keys, else ~/.config/neko/keys).", valueName: "dir"))
    var dir: String?

    func run() throws {
        try Packaging.run {
            let folder = dir ?? NekoHome().keys
            let key = try SigningKey.generate(name: name, in: folder)
            Terminal.out("made \(folder)/\(name).key (private, keep it secret) and \(folder)/\(name).pub (\(key.publicKey.fingerprint))")
        }
    }
}
