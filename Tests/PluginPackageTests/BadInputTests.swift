import Foundation
@_spi(Neko) import NekoLoader
import NekoPackage
import Testing
import ZIPFoundation

/// Packages no one should install: each is refused with a message naming the
/// problem, and installing it leaves the plugin root byte-identical.
@Suite struct BadInputTests {
    /// Installs `path` expecting a refusal containing `expected`; checks the root is untouched.
    private func refused(_ work: PackageWorkspace, _ path: String, _ expected: String, limits: PackageLimits = PackageLimits(),
                         sourceLocation: SourceLocation = #_sourceLocation) {
        let before = work.snapshot()
        let message = packageError {
            _ = try Installation(root: work.root).install(package: path, trust: work.trust, limits: limits)
        }
        #expect(message.contains(expected), "\(message)", sourceLocation: sourceLocation)
        #expect(work.snapshot() == before, "the plugin root changed", sourceLocation: sourceLocation)
        let staging = (try? FileManager.default.contentsOfDirectory(atPath: work.root + "/.neko/staging")) ?? []
        #expect(staging.isEmpty, "left in staging: \(staging)", sourceLocation: sourceLocation)
    }

    /// A workspace with cgreet 1.0.0 installed, and a packed 1.1.0 to spoil.
    private func setUp() throws -> (PackageWorkspace, String) {
        let work = try PackageWorkspace()
        _ = try Installation(root: work.root).install(package: try work.pack(try work.plugin(name: "old"), as: "old"), trust: work.trust)
        return (work, try work.pack(try work.plugin(version: "1.1.0", name: "new"), as: "good"))
    }

    @Test func aFileChangedAfterPacking() throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/bad.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == "libcgreet.so" })
            entries[index].data[entries[index].data.count / 2] ^= 0xff
        }
        refused(work, bad, "'libcgreet.so' does not match the record")
    }

    @Test func aRecordWhoseHashWasChanged() throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/bad.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == ".neko/package.json" })
            let text = String(decoding: entries[index].data, as: UTF8.self)
            let hash = try #require(PackageRecord.decode(entries[index].data, source: "x").file("plugin.toml")?.sha256)
            entries[index].data = Data(text.replacingOccurrences(of: hash, with: String(repeating: "0", count: 64)).utf8)
        }
        refused(work, bad, "'plugin.toml' does not match the record")
    }

    @Test func aTruncatedArchive() throws {
        let (work, good) = try setUp()
        let bytes = try #require(FileManager.default.contents(atPath: good))
        let bad = work.base + "/truncated.nekoplugin"
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: bad))
        refused(work, bad, "not a readable ZIP archive")
        try Data().write(to: URL(fileURLWithPath: bad))
        refused(work, bad, "not a readable ZIP archive")
    }

    @Test func entriesThatLeaveThePluginFolder() throws {
        let (work, good) = try setUp()
        for (path, expected) in [("../evil.so", "a path that leaves the package"), ("/tmp/evil.so", "an absolute path"),
                                 ("templates/../../evil.so", "a path that leaves the package")] {
            let bad = try rewrite(good, to: work.base + "/slip.nekoplugin") { $0.append(RawEntry(path: path, data: Data("x".utf8))) }
            refused(work, bad, "entry '\(path)': \(expected)")
        }
        #expect(!FileManager.default.fileExists(atPath: work.base + "/evil.so"))
    }

    @Test func aSymbolicLinkEntry() throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/link.nekoplugin") {
            $0.append(RawEntry(path: "templates/passwd", data: Data("/etc/passwd".utf8), type: .symlink))
        }
        refused(work, bad, "entry 'templates/passwd': a symbolic link")
    }

    @Test(arguments: [(0o010644, "a FIFO"), (0o020644, "a character device"), (0o060644, "a block device")])
    func aDeviceOrFIFOEntry(mode: Int, kind: String) throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/special.nekoplugin") {
            $0.append(RawEntry(path: "templates/pipe", data: Data()))
        }
        try setUnixMode(of: "templates/pipe", in: bad, to: mode)
        refused(work, bad, "entry 'templates/pipe': \(kind): a package holds only plain files")
    }

    @Test func duplicateEntries() throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/twice.nekoplugin") { entries in
            let library = try #require(entries.first { $0.path == "libcgreet.so" })
            entries.append(library)
        }
        refused(work, bad, "entry 'libcgreet.so' appears twice")
    }

    @Test func aFileTheRecordDoesNotList() throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/extra.nekoplugin") { $0.append(RawEntry(path: "templates/extra.html", data: Data("x".utf8))) }
        refused(work, bad, "entry 'templates/extra.html' is not in the record")
    }

    @Test func aDecompressionBomb() throws {
        let (work, good) = try setUp()
        // 64 MiB of zeros compress to about 64 KiB: over the ratio cap, and over a small total cap.
        let bomb = try rewrite(good, to: work.base + "/bomb.nekoplugin") {
            $0.append(RawEntry(path: "templates/zeros", data: Data(count: 64 << 20)))
        }
        refused(work, bomb, "entry 'templates/zeros' grows")
        var small = PackageLimits()
        small.totalSize = 10_000
        refused(work, good, "more than 10000 bytes once decompressed", limits: small)
    }

    @Test func aManifestWhoseIdDiffersFromTheRecord() throws {
        let (work, good) = try setUp()
        let bad = try rewrite(good, to: work.base + "/other-id.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == ".neko/package.json" })
            let text = String(decoding: entries[index].data, as: UTF8.self)
            entries[index].data = Data(text.replacingOccurrences(of: #""id" : "cgreet""#, with: #""id" : "hello""#).utf8)
        }
        refused(work, bad, "plugin.toml")
        refused(work, bad, "does not match the folder name \"hello\"")
        #expect(!FileManager.default.fileExists(atPath: work.root + "/hello"))
    }

    @Test func aLibraryMissingFromTheArchiveAndARecordThatIsNotJSON() throws {
        let (work, good) = try setUp()
        let missing = try rewrite(good, to: work.base + "/missing.nekoplugin") { $0.removeAll { $0.path == "libcgreet.so" } }
        refused(work, missing, "'libcgreet.so' is in the record but not in the archive")
        let garbage = try rewrite(good, to: work.base + "/garbage.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == ".neko/package.json" })
            entries[index].data = Data("{\"format\": 1".utf8)
        }
        refused(work, garbage, ".neko/package.json: not a package record")
        let none = try rewrite(good, to: work.base + "/none.nekoplugin") { $0.removeAll { $0.path == ".neko/package.json" } }
        refused(work, none, "no .neko/package.json: not a Neko package")
    }
}

/// Packages that are well formed but not for this host.
@Suite struct ForeignPackageTests {
    /// Rewrites `good` with its library and plugin.toml changed by `change`, and a record that matches them (unsigned).
    private func repacked(_ work: PackageWorkspace, _ good: String, _ name: String,
                          library: (inout Data) -> Void = { _ in }, manifest: (String) -> String = { $0 },
                          target: String? = nil) throws -> String {
        var entries = try readEntries(good)
        let recordIndex = try #require(entries.firstIndex { $0.path == ".neko/package.json" })
        let old = try PackageRecord.decode(entries[recordIndex].data, source: "test")
        var files: [PackageRecord.File] = []
        for index in entries.indices where index != recordIndex {
            if entries[index].path == "libcgreet.so" { library(&entries[index].data) }
            if entries[index].path == "plugin.toml" {
                entries[index].data = Data(manifest(String(decoding: entries[index].data, as: UTF8.self)).utf8)
            }
            files.append(PackageRecord.File(path: entries[index].path, size: UInt64(entries[index].data.count),
                                            sha256: SHA256.hex(of: [UInt8](entries[index].data))))
        }
        let record = PackageRecord(id: old.id, version: old.version, abi: old.abi, library: old.library, target: target ?? old.target,
                                   configuration: old.configuration, swiftCompiler: old.swiftCompiler, files: files)
        entries[recordIndex].data = record.encoded()
        let path = work.base + "/\(name).nekoplugin"
        try writeEntries(entries, to: path)
        return path
    }

    @Test func aLibraryForAnotherArchitecture() throws {
        let work = try PackageWorkspace()
        let good = try work.pack(try work.plugin(), as: "good")
        let other = try repacked(work, good, "arm", library: { $0[18] = 0xb7; $0[19] = 0 }, target: "aarch64-unknown-linux-gnu")
        #expect(try PackageVerifier.verify(path: other, trust: work.trust).record.target == "aarch64-unknown-linux-gnu")
        #if arch(x86_64)
        let before = work.snapshot()
        let message = packageError { _ = try Installation(root: work.root).install(package: other, trust: work.trust) }
        #expect(message.contains("built for aarch64-unknown-linux-gnu; this host is x86_64-unknown-linux-gnu"), "\(message)")
        #expect(work.snapshot() == before)
        #endif
        // A record that lies about the target.
        let lying = try repacked(work, good, "lying", library: { $0[18] = 0xb7; $0[19] = 0 })
        let lie = packageError { _ = try PackageVerifier.verify(path: lying, trust: work.trust) }
        #expect(lie.contains("'libcgreet.so' is built for aarch64-unknown-linux-gnu, the record says x86_64"), "\(lie)")
    }

    @Test func aPackageForAnABIThisHostRefuses() throws {
        let work = try PackageWorkspace()
        let good = try work.pack(try work.plugin(), as: "good")
        let future = try repacked(work, good, "future", manifest: { $0.replacingOccurrences(of: #"abi = "1.0""#, with: #"abi = "9.0""#) })
        let before = work.snapshot()
        let message = packageError { _ = try Installation(root: work.root).install(package: future, trust: work.trust) }
        #expect(message.contains("9.0"), "\(message)")
        #expect(work.snapshot() == before)
    }

    @Test func aRecordThatListsTheReservedFolder() throws {
        let work = try PackageWorkspace()
        let good = try work.pack(try work.plugin(), as: "good")
        let bad = try rewrite(good, to: work.base + "/reserved.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == ".neko/package.json" })
            let old = try PackageRecord.decode(entries[index].data, source: "test")
            let forged = PackageRecord.File(path: ".neko/installed.json", size: 2, sha256: String(repeating: "a", count: 64))
            entries[index].data = PackageRecord(id: old.id, version: old.version, abi: old.abi, library: old.library, target: old.target,
                                                configuration: old.configuration, swiftCompiler: old.swiftCompiler, files: old.files + [forged]).encoded()
            entries.append(RawEntry(path: ".neko/installed.json", data: Data("{}".utf8)))
        }
        let message = packageError { _ = try PackageReader(path: bad) }
        #expect(message.contains("file '.neko/installed.json': .neko/ is reserved"), "\(message)")
    }
}

/// Sets the Unix mode (file type and permissions) of the entry `path` in the
/// central directory of the ZIP archive at `archive`, as a tool that packs a
/// device or FIFO would have written it.
func setUnixMode(of path: String, in archive: String, to mode: Int) throws {
    var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: archive)))
    let name = Array(path.utf8)
    var at = 0
    while at + 46 + name.count <= bytes.count {
        let isHeader = bytes[at] == 0x50 && bytes[at + 1] == 0x4b && bytes[at + 2] == 1 && bytes[at + 3] == 2
        let nameLength = Int(bytes[at + 28]) | Int(bytes[at + 29]) << 8
        if isHeader && nameLength == name.count && Array(bytes[(at + 46)..<(at + 46 + name.count)]) == name {
            bytes[at + 5] = 3  // made on Unix
            bytes[at + 40] = UInt8(mode & 0xff)
            bytes[at + 41] = UInt8(mode >> 8 & 0xff)
            try Data(bytes).write(to: URL(fileURLWithPath: archive))
            return
        }
        at += 1
    }
    Issue.record("no central directory entry for \(path) in \(archive)")
}
