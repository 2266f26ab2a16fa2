import Foundation

/// The public keys whose signatures the user trusts: one `NAME.pub` per
/// signer in a folder (``NekoHome/trusted``). `nekoctl trust add|list|remove`.
public struct TrustStore: Sendable {
    /// The folder, eg `~/.config/neko/trusted`.
    public let folder: String

    /// A store over `folder` (which may not exist yet: then it trusts no one).
    public init(folder: String) {
        self.folder = folder
    }

    /// Every trusted key, by name.
    public func keys() throws(PackageError) -> [PublicKey] {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return [] }
        var keys: [PublicKey] = []
        for name in names.sorted() where name.hasSuffix(".pub") {
            keys.append(try PublicKey.load(path: folder + "/" + name))
        }
        return keys
    }

    /// The name under which `key` is trusted, or nil if it is not.
    public func trustedName(of key: PublicKey) -> String? {
        (try? keys())?.first { $0 == key }?.name
    }

    /// Trusts `key` under its name.
    /// - Throws: if another key is trusted under that name, or the key already is under another.
    public func add(_ key: PublicKey) throws(PackageError) {
        try PublicKey.checkName(key.name)
        if let existing = try keys().first(where: { $0 == key }) {
            throw PackageError("\(key.fingerprint) is already trusted as '\(existing.name)'")
        }
        let path = "\(folder)/\(key.name).pub"
        if FileManager.default.fileExists(atPath: path) {
            throw PackageError("another key is trusted as '\(key.name)' (\(path)): remove it first with 'nekoctl trust remove \(key.name)'")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw PackageError("cannot create \(folder): \(error.localizedDescription)")
        }
        try SafeFile.createNew(path, contents: Data(key.line.utf8), mode: 0o644)
    }

    /// Stops trusting the key named `name`.
    public func remove(name: String) throws(PackageError) {
        try PublicKey.checkName(name)
        let path = "\(folder)/\(name).pub"
        guard unlink(path) == 0 else {
            throw PackageError("no trusted key named '\(name)' (\(path): \(String(cString: strerror(errno))))")
        }
    }
}
