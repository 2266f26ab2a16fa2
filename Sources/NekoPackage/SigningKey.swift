import Foundation

/// An ed25519 key pair that signs packages, kept as `NAME.key` (0600) beside `NAME.pub`.
///
/// The private key file holds one line, `neko-ed25519-private NAME BASE64`;
/// the public key file `neko-ed25519 BASE64 NAME`, like an ssh public key.
public struct SigningKey: Sendable {
    /// The signer's name, eg `"ada"`.
    public let name: String
    /// The private key's 32 raw bytes (the RFC 8032 seed).
    private let raw: Data
    /// The public half.
    public let publicKey: PublicKey

    /// A key from its 32 raw bytes, or nil if they are not a key.
    init?(name: String, raw: Data) {
        guard let publicRaw = Ed25519.publicKey(of: raw), let publicKey = PublicKey(name: name, raw: publicRaw) else { return nil }
        self.name = name
        self.raw = raw
        self.publicKey = publicKey
    }

    /// Makes a new key pair in `folder` as `NAME.key` (mode 0600) and `NAME.pub`.
    /// - Throws: if `name` is not a plain name, or either file exists (never overwritten).
    @discardableResult
    public static func generate(name: String, in folder: String) throws(PackageError) -> SigningKey {
        try PublicKey.checkName(name)
        guard let key = SigningKey(name: name, raw: try Ed25519.newPrivateKey()) else {
            throw PackageError("libcrypto could not make an ed25519 key")
        }
        let privatePath = "\(folder)/\(name).key", publicPath = "\(folder)/\(name).pub"
        for path in [privatePath, publicPath] where FileManager.default.fileExists(atPath: path) {
            throw PackageError("\(path) already exists: not overwritten (remove it first, or choose another name)")
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw PackageError("cannot create \(folder): \(error.localizedDescription)")
        }
        let secret = "neko-ed25519-private \(name) \(key.raw.base64EncodedString())\n"
        try SafeFile.createNew(privatePath, contents: Data(secret.utf8), mode: 0o600)
        do {
            try SafeFile.createNew(publicPath, contents: Data(key.publicKey.line.utf8), mode: 0o644)
        } catch {
            unlink(privatePath)
            throw error
        }
        return key
    }

    /// Reads a private key file, eg `~/.config/neko/keys/ada.key`.
    /// - Throws: if it cannot be read, is readable by others, or is not a key file.
    public static func load(path: String) throws(PackageError) -> SigningKey {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw PackageError("\(path): no such key file (make one with 'nekoctl keygen NAME')")
        }
        guard status.st_mode & 0o077 == 0 else {
            throw PackageError("\(path): a private key readable by group or others: run 'chmod 600 \(path)'")
        }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PackageError("\(path): cannot be read")
        }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 3, parts[0] == "neko-ed25519-private", let raw = Data(base64Encoded: String(parts[2])),
              let key = SigningKey(name: String(parts[1]), raw: raw) else {
            throw PackageError("\(path): not a Neko private key: expected 'neko-ed25519-private NAME BASE64'")
        }
        return key
    }

    /// Signs `data` (a record's exact bytes).
    func sign(_ data: Data) throws(PackageError) -> Data {
        do throws(PackageError) {
            return try Ed25519.sign(data, privateKey: raw)
        } catch {
            throw PackageError("cannot sign with \(name)'s key: \(error)")
        }
    }
}

/// An ed25519 public key with its signer's name: a `NAME.pub` file.
public struct PublicKey: Sendable, Equatable {
    /// The signer's name, eg `"ada"`.
    public let name: String
    /// The key's 32 raw bytes.
    private let raw: Data

    /// Makes a key from its 32 raw bytes.
    init?(name: String, raw: Data) {
        guard Ed25519.isPublicKey(raw) else { return nil }
        self.name = name
        self.raw = raw
    }

    /// The 32 raw bytes, base64.
    public var base64: String { raw.base64EncodedString() }

    /// A short name for the key that does not depend on its signer's name:
    /// `SHA256:` and the first 16 hex digits of the SHA-256 of its bytes.
    public var fingerprint: String { "SHA256:" + FileDigest.hex(of: raw).prefix(16) }

    /// The file's one line: `neko-ed25519 BASE64 NAME`.
    public var line: String { "neko-ed25519 \(base64) \(name)\n" }

    /// Whether `signature` is this key's signature of `data`.
    func verifies(_ signature: Data, of data: Data) -> Bool {
        Ed25519.verify(signature, of: data, publicKey: raw)
    }

    /// Two keys are the same key whatever their names.
    public static func == (a: PublicKey, b: PublicKey) -> Bool {
        a.raw == b.raw
    }

    /// Reads a public key file (`NAME.pub`).
    public static func load(path: String) throws(PackageError) -> PublicKey {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw PackageError("\(path): cannot be read")
        }
        let parts = text.split(whereSeparator: \.isWhitespace)
        guard parts.count == 3, parts[0] == "neko-ed25519", let raw = Data(base64Encoded: String(parts[1])),
              let key = PublicKey(name: String(parts[2]), raw: raw) else {
            throw PackageError("\(path): not a Neko public key: expected 'neko-ed25519 BASE64 NAME'")
        }
        try checkName(key.name)
        return key
    }

    /// Refuses a signer name that is not a plain file name.
    static func checkName(_ name: String) throws(PackageError) {
        let allowed = name.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0)
        }
        guard !name.isEmpty, name.count <= 64, allowed, !name.hasPrefix(".") else {
            throw PackageError("'\(name)' is not a key name: expected 1 to 64 letters, digits, '.', '_' or '-', not starting with '.'")
        }
    }
}
