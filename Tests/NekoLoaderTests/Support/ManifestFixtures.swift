import FoundationEssentials
@_spi(Neko) import NekoCore
import Testing
@testable import NekoLoader

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// Fixtures shared by the manifest tests (ManifestTests, NekoManifestTests, DependencyOrderTests).

/// A fresh temporary folder holding plugin roots and folders; `remove()` deletes it.
struct Sandbox {
    let path: String

    init() {
        var template = Array("/tmp/neko-manifest-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Deletes the sandbox; a test that took a permission away gives it back first.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// Writes `<root>/<folder>/plugin.toml` with `toml`, and `lib<folder>.so` unless `library` is false.
    @discardableResult
    func plugin(_ folder: String, root: String = "plugins", toml: String, library: Bool = true) -> String {
        let directory = "\(path)/\(root)/\(folder)"
        try! FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        write(directory + "/plugin.toml", Data(toml.utf8))
        if library { write("\(directory)/lib\(folder).so", Data()) }
        return directory
    }

    /// The absolute path of a root under the sandbox.
    func root(_ name: String = "plugins") -> String { "\(path)/\(name)" }
}

/// Creates (or replaces) the file at `path` with `bytes`.
func write(_ path: String, _ bytes: Data) {
    let written = FileManager.default.createFile(atPath: path, contents: bytes)
    precondition(written, "cannot write \(path)")
}

/// A `plugin.toml` with the four required fields, any of them replaced (`nil` removes it),
/// extra `[plugin]` lines, and text after the `[plugin]` table.
func manifest(_ id: String, _ replacing: [String: String?] = [:], plugin extra: String = "", after tail: String = "") -> String {
    let fields = [("id", "\"\(id)\""), ("name", "\"Hello\""), ("version", "\"1.0.0\""), ("abi", "\"1.0\"")]
    var lines = ["[plugin]"]
    for (key, value) in fields {
        let replaced: String?
        if let override = replacing[key] { replaced = override } else { replaced = value }
        if let replaced { lines.append("\(key) = \(replaced)") }
    }
    if !extra.isEmpty { lines.append(extra) }
    return lines.joined(separator: "\n") + "\n" + tail + "\n"
}

/// The failure `PluginManifest.load` throws for `folder`, or `nil` when it loads.
func loadFailure(_ folder: String, strict: Bool = false) -> LoadFailure? {
    do {
        _ = try PluginManifest.load(folder: folder, strict: strict)
        return nil
    } catch {
        return error
    }
}

/// Expects `folder` to fail with `phase` and a message containing every one of `parts`.
func expectFailure(_ folder: String, strict: Bool = false, _ parts: [String], sourceLocation: SourceLocation = #_sourceLocation) {
    guard let failure = loadFailure(folder, strict: strict) else {
        Issue.record("expected a manifest failure containing \(parts), but it loaded", sourceLocation: sourceLocation)
        return
    }
    #expect(failure.phase == .manifest, sourceLocation: sourceLocation)
    for part in parts {
        #expect(failure.message.contains(part), "\(failure.message)", sourceLocation: sourceLocation)
    }
}

extension Result {
    /// The failure, or `nil` on success.
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

/// Whether this process ignores file permissions (root), so that a chmod 000 cannot block it.
let ignoresPermissions = geteuid() == 0

