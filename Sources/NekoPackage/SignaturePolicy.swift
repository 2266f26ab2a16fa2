import Foundation
import NekoLoader

/// The host policy that loads only plugins installed from a package signed
/// by a trusted key: `nekoctl serve --require-signature`, set as
/// ``NekoLoader/HostOptions/libraryApproval``.
public enum SignaturePolicy {
    /// Why the plugin in `folder` is refused under the policy, or nil if it is
    /// installed from a package whose record is signed by a key in `trust` and
    /// whose files still match that record.
    public static func refusal(folder: String, trust: TrustStore) -> String? {
        let recordPath = folder + "/" + EntryPath.record
        guard let recordBytes = FileManager.default.contents(atPath: recordPath) else {
            return "\(folder): not installed from a package (no \(EntryPath.record)), and signatures are required: install it with 'nekoctl install PACKAGE'"
        }
        let signaturePath = folder + "/" + EntryPath.signature
        guard let signatureBytes = FileManager.default.contents(atPath: signaturePath) else {
            return "\(folder): installed from an unsigned package, and signatures are required: install a package signed with 'nekoctl pack --sign KEY'"
        }
        do {
            let record = try PackageRecord.decode(recordBytes, source: recordPath)
            let signature = try PackageSignature.decode(signatureBytes, source: signaturePath)
            guard let key = signature.key, signature.verifies(recordBytes) else {
                return "\(signaturePath): the signature does not match \(recordPath): the record was changed after signing"
            }
            guard trust.trustedName(of: key) != nil else {
                return "\(folder): signed by '\(signature.signer)' (\(key.fingerprint)), a key that is not trusted (\(trust.folder)): 'nekoctl trust add KEYFILE' if you trust it"
            }
            for file in record.files where !PackageRecord.userEditable.contains(file.path) {
                let digest = try FileDigest.of(file: folder + "/" + file.path)
                guard digest.sha256 == file.sha256 else {
                    return "\(folder)/\(file.path): changed since install (its sha256 differs from \(recordPath)): reinstall the plugin"
                }
            }
        } catch {
            return error.message
        }
        return nil
    }
}
