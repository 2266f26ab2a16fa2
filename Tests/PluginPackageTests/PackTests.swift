import Foundation
import NekoPackage
import Testing

/// `nekoctl pack`: what goes in, and that packing is reproducible.
@Suite struct PackTests {
    @Test func packingTwiceGivesIdenticalBytes() throws {
        let work = try PackageWorkspace()
        let folder = try work.plugin()
        let first = try work.pack(folder, as: "first")
        // Another time, another mode: neither may show in the archive.
        let later = Date(timeIntervalSinceNow: 3600)
        for file in ["plugin.toml", "libcgreet.so", "config.json", "templates/page.html"] {
            try FileManager.default.setAttributes([.modificationDate: later, .posixPermissions: 0o600], ofItemAtPath: folder + "/" + file)
        }
        let second = try work.pack(folder, as: "second")
        let a = try #require(FileManager.default.contents(atPath: first))
        let b = try #require(FileManager.default.contents(atPath: second))
        #expect(a == b)
        #expect(!a.isEmpty)
    }

    @Test func packHoldsWhatThePluginNeedsAndARecordOfIt() throws {
        let work = try PackageWorkspace()
        let folder = try work.plugin(version: "1.2.0")
        let path = try work.pack(folder, as: "p")
        let reader = try PackageReader(path: path)
        let record = reader.record
        #expect(record.id == "cgreet")
        #expect(record.version == "1.2.0")
        #expect(record.abi == "1.0")
        #expect(record.library == "libcgreet.so")
        #expect(record.configuration == PackageWorkspace.configuration)
        #if arch(x86_64)
        #expect(record.target == "x86_64-unknown-linux-gnu")
        #endif
        #expect(record.files.map(\.path) == ["config.json", "libcgreet.so", "plugin.toml", "templates/page.html"])
        let library = try #require(record.file("libcgreet.so"))
        let bytes = try #require(FileManager.default.contents(atPath: folder + "/libcgreet.so"))
        #expect(library.size == UInt64(bytes.count))
        #expect(library.sha256.count == 64)
        #expect(reader.signature == nil)
        // The archive holds the record and the files, nothing of data/.
        let names = try readEntries(path).map(\.path)
        #expect(names == [".neko/package.json", "config.json", "libcgreet.so", "plugin.toml", "templates/page.html"])
    }

    @Test func packNamesThePackageAfterIdAndVersionInAFolder() throws {
        let work = try PackageWorkspace()
        let folder = try work.plugin(version: "2.0.1")
        let (path, _) = try Packer.pack(folder: folder, key: nil, configuration: "release", output: work.base)
        #expect(path == work.base + "/cgreet-2.0.1.nekoplugin")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func packRefusesALinkAFolderWithoutManifestAndABadConfiguration() throws {
        let work = try PackageWorkspace()
        let folder = try work.plugin()
        try FileManager.default.createSymbolicLink(atPath: folder + "/templates/passwd", withDestinationPath: "/etc/passwd")
        let link = packageError { _ = try Packer.pack(folder: folder, key: nil, configuration: "debug", output: work.base) }
        #expect(link.contains("templates/passwd: a symbolic link"))
        let empty = packageError { _ = try Packer.pack(folder: work.sources, key: nil, configuration: "debug", output: work.base) }
        #expect(empty.contains("plugin.toml"))
        let configuration = packageError { _ = try Packer.pack(folder: folder, key: nil, configuration: "fast", output: work.base) }
        #expect(configuration.contains("--configuration 'fast'"))
        // Nothing was left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.base).filter { $0.contains("nekoplugin") }.isEmpty)
    }
}
