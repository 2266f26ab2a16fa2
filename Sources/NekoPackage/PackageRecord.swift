import Foundation

/// The record a package carries as `.neko/package.json`: what the plugin is,
/// what it was built for and every file's SHA-256 and size. A signature
/// (``PackageSignature``) covers the record's exact bytes, so it covers every file.
public struct PackageRecord: Codable, Sendable, Equatable {
    /// One file of the package, by its path inside the plugin folder.
    public struct File: Codable, Sendable, Equatable {
        /// eg `"libhello.so"` or `"templates/page.html"`.
        public let path: String
        /// The size in bytes.
        public let size: UInt64
        /// The SHA-256 of the contents, 64 lower-case hex digits.
        public let sha256: String

        /// Makes a file entry.
        public init(path: String, size: UInt64, sha256: String) {
            self.path = path
            self.size = size
            self.sha256 = sha256
        }
    }

    /// Files the record lists whose installed copy is the user's to change:
    /// `config.json`, the plugin's settings (the package holds their defaults).
    /// An installed plugin's check skips them; upgrades and rollbacks keep the user's.
    public static let userEditable: Set<String> = ["config.json"]

    /// The version of this record's format; this code writes and reads `1`.
    public static let currentFormat = 1

    /// The record's format version, eg `1`.
    public let format: Int
    /// The plugin id (`[plugin].id`), eg `"hello"`.
    public let id: String
    /// The plugin version (`[plugin].version`), eg `"1.2.0"`.
    public let version: String
    /// The oldest host ABI the plugin runs on (`[plugin].abi`), eg `"1.0"`.
    public let abi: String
    /// The library's path in the package (`[plugin].library`), eg `"libhello.so"`.
    public let library: String
    /// The target the library was built for, read from its ELF header, eg `"x86_64-unknown-linux-gnu"`.
    public let target: String
    /// The build configuration, `"debug"` or `"release"`.
    public let configuration: String
    /// The Swift compiler of the `nekoctl` that packed it, eg `"6.3.1"`.
    public let swiftCompiler: String
    /// Every file of the package but the record and its signature, sorted by path.
    public let files: [File]

    /// Makes a record; `files` is sorted by path.
    public init(id: String, version: String, abi: String, library: String, target: String,
                configuration: String, swiftCompiler: String, files: [File]) {
        self.format = Self.currentFormat
        self.id = id
        self.version = version
        self.abi = abi
        self.library = library
        self.target = target
        self.configuration = configuration
        self.swiftCompiler = swiftCompiler
        self.files = files.sorted { $0.path < $1.path }
    }

    /// The record's bytes as packed: JSON with sorted keys, one per line, so
    /// that the same record always gives the same bytes.
    public func encoded() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        // Encoding plain strings and integers cannot fail.
        return (try? encoder.encode(self)) ?? Data()
    }

    /// Reads a record from its bytes, checking its format and fields.
    /// - Parameter source: names the record in errors, eg `hello-1.0.0.nekoplugin: .neko/package.json`.
    public static func decode(_ data: Data, source: String) throws(PackageError) -> PackageRecord {
        let record: PackageRecord
        do {
            record = try JSONDecoder().decode(PackageRecord.self, from: data)
        } catch {
            throw PackageError("\(source): not a package record: \(Self.describe(error))")
        }
        guard record.format == currentFormat else {
            throw PackageError("\(source): format \(record.format) is not supported: expected \(currentFormat)")
        }
        guard EntryPath.problem(record.id) == nil, !record.id.contains("/"), !record.id.hasPrefix(".") else {
            throw PackageError("\(source): id '\(record.id)' is not a plugin id (a plain folder name)")
        }
        var seen: Set<String> = []
        for file in record.files {
            if let problem = EntryPath.problem(file.path) {
                throw PackageError("\(source): file '\(file.path)': \(problem)")
            }
            guard file.path != EntryPath.metadataFolder, !file.path.hasPrefix(EntryPath.metadataFolder + "/") else {
                throw PackageError("\(source): file '\(file.path)': \(EntryPath.metadataFolder)/ is reserved for the record")
            }
            guard seen.insert(file.path).inserted else {
                throw PackageError("\(source): file '\(file.path)' is listed twice")
            }
            guard file.sha256.count == 64, file.sha256.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else {
                throw PackageError("\(source): file '\(file.path)': sha256 must be 64 lower-case hex digits, got '\(file.sha256)'")
            }
        }
        guard seen.contains("plugin.toml") else { throw PackageError("\(source): lists no plugin.toml") }
        guard seen.contains(record.library) else {
            throw PackageError("\(source): the library '\(record.library)' is not among its files")
        }
        return record
    }

    /// The entry for `path`, if the record lists it.
    public func file(_ path: String) -> File? {
        files.first { $0.path == path }
    }

    /// The sum of every file's size.
    public var totalSize: UInt64 { files.reduce(0) { $0 + $1.size } }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "field '\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context): return context.debugDescription
        default: return "\(error)"
        }
    }
}
