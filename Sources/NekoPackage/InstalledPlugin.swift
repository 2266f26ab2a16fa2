import Foundation

/// What an installed plugin's folder records about where it came from: the
/// package's record (`.neko/package.json`) and how it was installed
/// (`.neko/installed.json`: the package's hash and its signer).
public struct InstalledPlugin: Sendable {
    /// How a plugin was installed: `.neko/installed.json`.
    struct Origin: Codable, Sendable {
        let packageHash: String
        let signer: String?
        let fingerprint: String?
        let trusted: Bool

        init(packageHash: String, signer: Signer) {
            self.packageHash = packageHash
            switch signer {
            case .unsigned: (self.signer, fingerprint, trusted) = (nil, nil, false)
            case .trusted(let name, let print): (self.signer, fingerprint, trusted) = (name, print, true)
            case .untrusted(let name, let print): (self.signer, fingerprint, trusted) = (name, print, false)
            }
        }

        func encoded() -> Data {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
            return (try? encoder.encode(self)) ?? Data()
        }
    }

    /// The path of the origin file in a plugin folder.
    static let originPath = ".neko/installed.json"

    /// The record of the package it was installed from.
    public let record: PackageRecord
    let origin: Origin

    /// The SHA-256 of the package file it was installed from.
    public var packageHash: String { origin.packageHash }
    /// The signer's name as trusted, or the name a signature claims, or nil if unsigned.
    public var signer: String? { origin.signer }
    /// The signer key's fingerprint, or nil if unsigned.
    public var fingerprint: String? { origin.fingerprint }
    /// Whether the signer's key was trusted when it was installed.
    public var trusted: Bool { origin.trusted }

    /// eg `ada (SHA256:0123456789abcdef), trusted when installed`, or `unsigned`.
    public var signerDescription: String {
        guard let signer, let fingerprint else { return "unsigned" }
        return "\(signer) (\(fingerprint)), \(trusted ? "trusted" : "NOT trusted") when installed"
    }

    /// Reads what `folder` records, or nil if it was not installed from a package.
    static func read(folder: String) throws(PackageError) -> InstalledPlugin? {
        let recordPath = folder + "/" + EntryPath.record
        guard let recordBytes = FileManager.default.contents(atPath: recordPath) else { return nil }
        let record = try PackageRecord.decode(recordBytes, source: recordPath)
        let originPath = folder + "/" + Self.originPath
        guard let bytes = FileManager.default.contents(atPath: originPath),
              let origin = try? JSONDecoder().decode(Origin.self, from: bytes) else {
            throw PackageError("\(originPath): missing or not valid JSON (the plugin folder was changed after install)")
        }
        return InstalledPlugin(record: record, origin: origin)
    }
}
