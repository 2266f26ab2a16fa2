import ArgumentParser
import Foundation
import NekoPackage

/// `nekoctl trust add|list|remove`: the keys whose packages are trusted.
struct Trust: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Manage the public keys whose signed packages you trust ($NEKO_HOME/trusted).",
        subcommands: [Add.self, List.self, Remove.self])

    /// `nekoctl trust add KEYFILE | --name N`.
    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Trust a public key: a NAME.pub file, or --name N for your own key N from 'nekoctl keygen'.")

        @Argument(help: "A public key file (NAME.pub).")
        var keyFile: String?

        @Option(help: "Trust your own key of this name ($NEKO_HOME/keys/NAME.pub).")
        var name: String?

        func validate() throws {
            guard (keyFile == nil) != (name == nil) else { throw ValidationError("give either KEYFILE or --name NAME") }
        }

        func run() throws {
            try Packaging.run {
                let path = keyFile ?? "\(NekoHome().keys)/\(name!).pub"
                let key = try PublicKey.load(path: path)
                let store = TrustStore(folder: NekoHome().trusted)
                try store.add(key)
                Terminal.out("trusted \(key.name) (\(key.fingerprint)) from \(path)")
            }
        }
    }

    /// `nekoctl trust list`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trusted keys.")

        func run() throws {
            try Packaging.run {
                let store = TrustStore(folder: NekoHome().trusted)
                let keys = try store.keys()
                if keys.isEmpty { Terminal.out("no trusted keys (\(store.folder))") }
                for key in keys { Terminal.out("\(key.name)\t\(key.fingerprint)") }
            }
        }
    }

    /// `nekoctl trust remove NAME`.
    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Stop trusting the key of this name.")

        @Argument(help: "The key's name, as 'nekoctl trust list' shows it.")
        var name: String

        func run() throws {
            try Packaging.run {
                try TrustStore(folder: NekoHome().trusted).remove(name: name)
                Terminal.out("no longer trusted: \(name)")
            }
        }
    }
}
