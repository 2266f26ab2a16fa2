import Foundation

/// A package's `.neko/signature.json`: who signed the record and the ed25519
/// signature of the record's exact bytes.
public struct PackageSignature: Codable, Sendable, Equatable {
    /// The name the signer gave their key, eg `"ada"`: a claim, trusted only
    /// through the key (``TrustStore``).
    public let signer: String
    /// The signer's public key, 32 bytes, base64.
    public let publicKey: String
    /// The signature of the record's bytes, 64 bytes, base64.
    public let signature: String

    /// Signs `record` (its exact bytes) with `key`.
    static func make(record: Data, key: SigningKey) throws(PackageError) -> PackageSignature {
        let signature = try key.sign(record)
        return PackageSignature(signer: key.name, publicKey: key.publicKey.base64, signature: signature.base64EncodedString())
    }

    /// The signature's bytes as packed: JSON with sorted keys.
    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads a signature, checking that its key and signature are well formed.
    static func decode(_ data: Data, source: String) throws(PackageError) -> PackageSignature {
        guard let signature = try? JSONDecoder().decode(PackageSignature.self, from: data) else {
            throw PackageError("\(source): not a package signature: expected JSON with signer, publicKey and signature")
        }
        guard signature.key != nil else {
            throw PackageError("\(source): publicKey is not a base64 ed25519 public key (32 bytes)")
        }
        return signature
    }

    /// The signer's key, if `publicKey` is one.
    var key: PublicKey? {
        Data(base64Encoded: publicKey).flatMap { PublicKey(name: signer, raw: $0) }
    }

    /// Whether this signature is the signer's signature of `record`.
    func verifies(_ record: Data) -> Bool {
        guard let key, let bytes = Data(base64Encoded: signature) else { return false }
        return key.verifies(bytes, of: record)
    }
}
