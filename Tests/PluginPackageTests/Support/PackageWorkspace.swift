import Foundation
import NekoPackage
import Testing
import ZIPFoundation

/// A temporary folder for one package test: a copy of a real built plugin to
/// pack, a plugin root to install into, a NEKO_HOME for keys; removed at the end.
final class PackageWorkspace {
    /// The repository root (where Package.swift is).
    static let repository: String = {
        var path = #filePath
        for _ in 0..<4 { path = (path as NSString).deletingLastPathComponent }
        return path
    }()

    /// The configuration these tests were built in; the plugins and nekoctl are built the same way.
    static let configuration: String = {
        #if DEBUG
        return "debug"
        #else
        return "release"
        #endif
    }()

    /// Where `make test` put the example plugins (`$NEKO_TEST_PLUGINS` overrides it).
    static let builtPlugins: String = ProcessInfo.processInfo.environment["NEKO_TEST_PLUGINS"]
        ?? "\(repository)/.build/\(configuration)/plugins"

    /// The nekoctl binary `make test` built.
    static let nekoctl: String = {
        if let bin = ProcessInfo.processInfo.environment["NEKO_BIN"] { return "\(bin)/nekoctl" }
        return "\(repository)/.build/\(configuration)/nekoctl"
    }()

    let base: String
    /// A plugin root to install into.
    let root: String
    /// `NEKO_HOME` for keys and trusted keys.
    let home: NekoHome
    /// Source plugin folders to pack.
    let sources: String

    init() throws {
        let probe = "\(Self.builtPlugins)/cgreet/libcgreet.so"
        if !FileManager.default.fileExists(atPath: probe) {
            Issue.record("the example plugins are not built for the tests (\(probe) is missing): run `make test`")
            throw CocoaError(.fileNoSuchFile)
        }
        base = FileManager.default.temporaryDirectory.appendingPathComponent("neko-pkg-test-\(UUID().uuidString)").path
        root = base + "/plugins"
        sources = base + "/src"
        home = NekoHome(path: base + "/home")
        for folder in [root, sources] { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: base)
    }

    var trust: TrustStore { TrustStore(folder: home.trusted) }

    /// A copy of the built plugin `id` (default cgreet) under `sources/<name>/<id>`,
    /// at `version`, with a config.json and an asset folder.
    func plugin(_ id: String = "cgreet", version: String = "1.0.0", name: String = "v", config: String = #"{"greeting":"hi"}"#) throws -> String {
        let folder = "\(sources)/\(name)/\(id)"
        try FileManager.default.createDirectory(atPath: folder + "/templates", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "\(Self.builtPlugins)/\(id)/lib\(id).so", toPath: "\(folder)/lib\(id).so")
        var manifest = try String(contentsOfFile: "\(Self.repository)/Examples/\(id)/plugin.toml", encoding: .utf8)
        manifest = manifest.replacingOccurrences(of: #"version = "1.0.0""#, with: #"version = "\#(version)""#)
        manifest = manifest.replacingOccurrences(of: "[plugin.author]", with: "assets = [\"templates\"]\n\n[plugin.author]")
        try manifest.write(toFile: "\(folder)/plugin.toml", atomically: true, encoding: .utf8)
        try config.write(toFile: "\(folder)/config.json", atomically: true, encoding: .utf8)
        try "<p>\(version)</p>".write(toFile: "\(folder)/templates/page.html", atomically: true, encoding: .utf8)
        // Not part of the plugin: never packed.
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        try "scratch".write(toFile: "\(folder)/data/notes.txt", atomically: true, encoding: .utf8)
        return folder
    }

    /// Packs `folder` into `base/out/<name>.nekoplugin`.
    func pack(_ folder: String, key: SigningKey? = nil, as name: String) throws -> String {
        try FileManager.default.createDirectory(atPath: base + "/out", withIntermediateDirectories: true)
        return try Packer.pack(folder: folder, key: key, configuration: Self.configuration, output: "\(base)/out/\(name).nekoplugin").path
    }

    /// Every path under `root` with its contents' digest: equal before and after means the root is untouched.
    func snapshot() -> [String: Data] {
        var result: [String: Data] = [:]
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let path = enumerator?.nextObject() as? String {
            result[path] = FileManager.default.contents(atPath: root + "/" + path) ?? Data("<folder>".utf8)
        }
        return result
    }

    /// Runs nekoctl with this workspace's NEKO_HOME.
    func nekoctl(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run(Self.nekoctl, arguments)
    }

    /// Runs `executable` with this workspace's NEKO_HOME and no server socket.
    func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(
            ["NEKO_HOME": home.path, "NEKO_SOCKET": base + "/no-server.sock"]) { $1 }
        let (out, err) = (base + "/stdout-\(UUID().uuidString)", base + "/stderr-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: out, contents: nil)
        _ = FileManager.default.createFile(atPath: err, contents: nil)
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: err))
        try process.run()
        process.waitUntilExit()
        return (process.terminationStatus, (try? String(contentsOfFile: out, encoding: .utf8)) ?? "", (try? String(contentsOfFile: err, encoding: .utf8)) ?? "")
    }
}

/// One entry of an archive, for rewriting packages in tests.
struct RawEntry {
    var path: String
    var data: Data
    var type: Entry.EntryType = .file
}

/// Reads every entry of the ZIP at `path`.
func readEntries(_ path: String) throws -> [RawEntry] {
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
    // The listing first, then the contents (ZIPFoundation's iterator and extract share one file position).
    let listing = Array(archive)
    return try listing.map { entry in
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return RawEntry(path: entry.path, data: data, type: entry.type)
    }
}

/// Writes `entries` as a new ZIP at `path`, in order, duplicates and all.
func writeEntries(_ entries: [RawEntry], to path: String, compression: CompressionMethod = .deflate) throws {
    try? FileManager.default.removeItem(atPath: path)
    let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
    for entry in entries {
        try archive.addEntry(with: entry.path, type: entry.type, uncompressedSize: Int64(entry.data.count),
                             compressionMethod: entry.type == .file ? compression : .none) { position, size in
            entry.data.subdata(in: Int(position)..<Int(position) + size)
        }
    }
}

/// Rewrites the package at `path` into `out` after `change`.
func rewrite(_ path: String, to out: String, _ change: (inout [RawEntry]) throws -> Void) throws -> String {
    var entries = try readEntries(path)
    try change(&entries)
    try writeEntries(entries, to: out)
    return out
}

/// The error `body` throws, as a message; records an issue if it throws none.
func packageError(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String {
    do {
        try body()
        Issue.record("expected a PackageError", sourceLocation: sourceLocation)
        return ""
    } catch let error as PackageError {
        return error.message
    } catch {
        Issue.record("expected a PackageError, got \(error)", sourceLocation: sourceLocation)
        return ""
    }
}
