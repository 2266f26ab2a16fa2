import Foundation

/// What an installed plugin's folder records about where it came from:
/// `.neko/package.json` (the record) and `.neko/installed.json` (this).
public struct InstalledPlugin: Codable, Sendable {
    /// The SHA-256 of the package file it was installed from.
    public let packageHash: String
    /// The signer's name as trusted, or the name a signature claims, or nil if unsigned.
    public let signer: String?
    /// The signer key's fingerprint, or nil if unsigned.
    public let fingerprint: String?
    /// Whether the signer's key was trusted when installed.
    public let trusted: Bool
    /// The record, read back from `.neko/package.json` (not stored in installed.json).
    public var record: PackageRecord { _record! }
    var _record: PackageRecord?

    enum CodingKeys: String, CodingKey { case packageHash, signer, fingerprint, trusted }

    init(packageHash: String, signer: Signer) {
        self.packageHash = packageHash
        switch signer {
        case .unsigned: (self.signer, fingerprint, trusted) = (nil, nil, false)
        case .trusted(let name, let print): (self.signer, fingerprint, trusted) = (name, print, true)
        case .untrusted(let name, let print): (self.signer, fingerprint, trusted) = (name, print, false)
        }
    }

    /// eg `ada (SHA256:0123456789abcdef), trusted when installed`, or `unsigned`.
    public var signerDescription: String {
        guard let signer, let fingerprint else { return "unsigned" }
        return "\(signer) (\(fingerprint)), \(trusted ? "trusted" : "NOT trusted") when installed"
    }

    /// The path of this file in a plugin folder.
    static let path = ".neko/installed.json"

    func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads what `folder` records, or nil if it was not installed from a package.
    static func read(folder: String) throws(PackageError) -> InstalledPlugin? {
        let recordPath = folder + "/" + EntryPath.record
        guard let recordBytes = FileManager.default.contents(atPath: recordPath) else { return nil }
        let record = try PackageRecord.decode(recordBytes, source: recordPath)
        let infoPath = folder + "/" + path
        guard let bytes = FileManager.default.contents(atPath: infoPath),
              var info = try? JSONDecoder().decode(InstalledPlugin.self, from: bytes) else {
            throw PackageError("\(infoPath): missing or not valid JSON (the plugin folder was changed after install)")
        }
        info._record = record
        return info
    }
}
