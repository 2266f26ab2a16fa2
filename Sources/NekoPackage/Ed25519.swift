import CLibcrypto
import Foundation

/// Ed25519 (RFC 8032) signatures through the system's libcrypto (OpenSSL's
/// EVP interface). Keys are their 32 raw bytes: the private key is the seed,
/// as in RFC 8032 and swift-crypto's `rawRepresentation`.
enum Ed25519 {
    /// A new private key: 32 bytes from the system's random generator.
    static func newPrivateKey() throws(PackageError) -> Data {
        var seed = [UInt8](repeating: 0, count: 32)
        guard RAND_bytes(&seed, 32) == 1 else { throw PackageError("the system's random generator failed (RAND_bytes)") }
        return Data(seed)
    }

    /// The public key of a private key, or nil if `privateKey` is not 32 bytes.
    static func publicKey(of privateKey: Data) -> Data? {
        guard let key = pkey(privateKey, isPrivate: true) else { return nil }
        defer { EVP_PKEY_free(key) }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == 32 else { return nil }
        return Data(raw)
    }

    /// Whether `raw` is a valid public key (32 bytes the library accepts).
    static func isPublicKey(_ raw: Data) -> Bool {
        guard let key = pkey(raw, isPrivate: false) else { return false }
        EVP_PKEY_free(key)
        return true
    }

    /// The 64-byte signature of `message` by `privateKey`.
    static func sign(_ message: Data, privateKey: Data) throws(PackageError) -> Data {
        guard let key = pkey(privateKey, isPrivate: true), let context = EVP_MD_CTX_new() else {
            throw PackageError("not an ed25519 private key (32 bytes)")
        }
        defer { EVP_PKEY_free(key); EVP_MD_CTX_free(context) }
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        let signed = message.withUnsafeBytes { bytes in
            EVP_DigestSignInit(context, nil, nil, nil, key) == 1
                && EVP_DigestSign(context, &signature, &length, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count) == 1
        }
        guard signed, length == 64 else { throw PackageError("libcrypto could not make an ed25519 signature") }
        return Data(signature)
    }

    /// Whether `signature` is `publicKey`'s signature of `message`.
    static func verify(_ signature: Data, of message: Data, publicKey: Data) -> Bool {
        guard signature.count == 64, let key = pkey(publicKey, isPrivate: false), let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_PKEY_free(key); EVP_MD_CTX_free(context) }
        let bytes = [UInt8](signature)
        return message.withUnsafeBytes { message in
            EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1
                && EVP_DigestVerify(context, bytes, bytes.count, message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count) == 1
        }
    }

    private static func pkey(_ raw: Data, isPrivate: Bool) -> OpaquePointer? {
        guard raw.count == 32 else { return nil }
        let bytes = [UInt8](raw)
        return isPrivate
            ? EVP_PKEY_new_raw_private_key(neko_evp_pkey_ed25519(), nil, bytes, 32)
            : EVP_PKEY_new_raw_public_key(neko_evp_pkey_ed25519(), nil, bytes, 32)
    }
}
