import Foundation
import NekoLoader

/// Who signed a package, as far as the user's trusted keys tell.
public enum Signer: Sendable, Equatable, CustomStringConvertible {
    /// No signature.
    case unsigned
    /// A valid signature by a trusted key: the name it is trusted under, and its fingerprint.
    case trusted(name: String, fingerprint: String)
    /// A valid signature by a key the user does not trust: the name the package claims, and its fingerprint.
    case untrusted(claimedName: String, fingerprint: String)

    /// eg `ada (SHA256:0123456789abcdef), trusted`.
    public var description: String {
        switch self {
        case .unsigned: return "unsigned"
        case .trusted(let name, let fingerprint): return "\(name) (\(fingerprint)), trusted"
        case .untrusted(let name, let fingerprint): return "'\(name)' (\(fingerprint)), NOT a trusted key"
        }
    }
}

/// The outcome of a full check of a package: `nekoctl verify FILE`.
public struct Verification: Sendable {
    /// The record, whose every file was hashed and matched.
    public let record: PackageRecord
    /// The SHA-256 of the archive file.
    public let packageHash: String
    /// Who signed the record.
    public let signer: Signer
}

/// Checks a package through: listing, record, signature, every file's hash,
/// and that its `plugin.toml` agrees with the record.
public enum PackageVerifier {
    /// Verifies the package at `path`, extracting into `parent/<id>` or, if
    /// `parent` is nil, into a private temporary folder removed after.
    /// - Parameter requireTrusted: refuse a package not signed by a key in `trust`.
    /// - Throws: on the first problem, naming it. An invalid signature always throws.
    public static func verify(path: String, trust: TrustStore, requireTrusted: Bool = false,
                              limits: PackageLimits = PackageLimits(), into parent: String? = nil) throws(PackageError) -> Verification {
        let reader = try PackageReader(path: path, limits: limits)
        let signer = try signer(of: reader, trust: trust)
        if requireTrusted { try refuseUntrusted(signer, path: path, trust: trust) }
        let record = reader.record
        if let parent {
            let folder = parent + "/" + record.id
            try reader.extract(to: folder)
            try checkManifest(folder: folder, record: record, source: path)
        } else {
            var template = Array((NSTemporaryDirectory() + "/neko-verify-XXXXXX").utf8CString)
            guard let made = mkdtemp(&template) else {
                throw PackageError("cannot make a temporary folder: \(String(cString: strerror(errno)))")
            }
            let scratch = String(cString: made)
            defer { try? FileManager.default.removeItem(atPath: scratch) }
            let plugin = scratch + "/" + record.id
            try reader.extract(to: plugin)
            try checkManifest(folder: plugin, record: record, source: path)
        }
        return Verification(record: record, packageHash: reader.packageHash, signer: signer)
    }

    /// Who signed `reader`'s record; throws if the signature does not verify.
    static func signer(of reader: PackageReader, trust: TrustStore) throws(PackageError) -> Signer {
        guard let signature = reader.signature else { return .unsigned }
        guard let key = signature.key, reader.signatureIsValid else {
            throw PackageError("\(reader.path): the signature does not match the record: the record was changed after signing, or the signature is another record's")
        }
        if let name = trust.trustedName(of: key) { return .trusted(name: name, fingerprint: key.fingerprint) }
        return .untrusted(claimedName: signature.signer, fingerprint: key.fingerprint)
    }

    /// Throws unless `signer` is trusted, saying why and what to do.
    public static func refuseUntrusted(_ signer: Signer, path: String, trust: TrustStore) throws(PackageError) {
        switch signer {
        case .trusted: return
        case .unsigned:
            throw PackageError("\(path): unsigned, and a signature is required: sign it with 'nekoctl pack DIR --sign KEY'")
        case .untrusted(let name, let fingerprint):
            throw PackageError("\(path): signed by '\(name)' (\(fingerprint)), a key that is not trusted (trusted keys are in \(trust.folder)): add it with 'nekoctl trust add KEYFILE' if you trust it")
        }
    }

    /// Checks the extracted `plugin.toml` against the record (id, version,
    /// library) and the library's ELF header against the record's target.
    static func checkManifest(folder: String, record: PackageRecord, source: String) throws(PackageError) {
        let built = try LibraryTarget.triple(ofLibrary: folder + "/" + record.library)
        guard built == record.target else {
            throw PackageError("\(source): '\(record.library)' is built for \(built), the record says \(record.target)")
        }
        let manifest: PluginManifest
        do {
            manifest = try PluginManifest.load(folder: folder)
        } catch {
            throw PackageError("\(source): plugin.toml: \(error.message)")
        }
        guard manifest.id == record.id else {
            throw PackageError("\(source): plugin.toml says id '\(manifest.id)', the record says '\(record.id)'")
        }
        guard manifest.version == record.version else {
            throw PackageError("\(source): plugin.toml says version '\(manifest.version)', the record says '\(record.version)'")
        }
        guard manifest.library == record.library else {
            throw PackageError("\(source): plugin.toml names library '\(manifest.library)', the record says '\(record.library)'")
        }
    }
}
