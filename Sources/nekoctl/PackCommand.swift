import ArgumentParser
import Foundation
import NekoPackage

/// `nekoctl pack DIR [--sign KEY] [-o OUT]`: builds `<id>-<version>.nekoplugin`.
struct Pack: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a package, <id>-<version>.nekoplugin, from a plugin folder (docs/PACKAGES.md).",
        discussion: """
            The package holds what the plugin needs (plugin.toml, its library, config.json, its locales_dir and \
            [plugin].assets) and a record of every file's sha256 and size. The same folder packed twice gives \
            identical bytes.
            """)

    @Argument(help: "The plugin folder (the one holding plugin.toml).")
    var folder: String

    @Option(help: ArgumentHelp("Sign with this key: a .key file, or a name in $NEKO_HOME/keys (see 'nekoctl keygen').", valueName: "key"))
    var sign: String?

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the package: a file, or a folder (default: the current folder).", valueName: "out"))
    var output: String?

    @Option(help: "The configuration the library was built in: debug or release (default: nekoctl's own).")
    var configuration: String = Packaging.ownConfiguration

    func run() throws {
        try Packaging.run {
            let key = try sign.map { name throws(PackageError) in try SigningKey.load(path: Packaging.keyPath(name)) }
            let (path, record) = try Packer.pack(folder: folder, key: key, configuration: configuration, output: output)
            let signed = key.map { "signed by \($0.name) (\($0.publicKey.fingerprint))" } ?? "unsigned"
            Terminal.out("packed \(record.id) \(record.version) (\(record.files.count) files, \(record.totalSize) bytes, \(record.target), \(record.configuration)) into \(path), \(signed)")
        }
    }
}

/// What the package commands share.
enum Packaging {
    /// The configuration this nekoctl was built in.
    static var ownConfiguration: String {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }

    /// A key given as a path (has a '/' or ends in .key) or as a name in the keys folder.
    static func keyPath(_ key: String) -> String {
        key.contains("/") || key.hasSuffix(".key") ? key : "\(NekoHome().keys)/\(key).key"
    }

    /// Runs `body`, printing a ``PackageError`` as `error: ...` with exit code 1.
    static func run(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as PackageError {
            Terminal.error("error: \(error.message)")
            throw ExitCode(1)
        }
    }
}
