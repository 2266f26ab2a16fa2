import Foundation
import NekoLoader
import NekoPackage
import Testing

/// `nekoctl install`, `rollback` and `uninstall` on a real plugin root.
@Suite struct InstallTests {
    private func version(_ work: PackageWorkspace) throws -> String {
        try PluginManifest.load(folder: work.root + "/cgreet").version
    }

    @Test func installUpgradeAndRollbackKeepDataAndConfig() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        let v1 = try work.pack(try work.plugin(version: "1.0.0", name: "a"), as: "v1")
        let v2 = try work.pack(try work.plugin(version: "2.0.0", name: "b", config: #"{"greeting":"new default"}"#), as: "v2")

        let first = try installation.install(package: v1, trust: work.trust)
        #expect(first.replaced == nil)
        #expect(try version(work) == "1.0.0")
        // Installed: the package's files, its record, nothing of the source's data/.
        #expect(!FileManager.default.fileExists(atPath: work.root + "/cgreet/data/notes.txt"))
        #expect(FileManager.default.fileExists(atPath: work.root + "/cgreet/.neko/package.json"))
        try installation.checkFiles("cgreet")
        // The plugin makes data and its user edits its settings.
        try FileManager.default.createDirectory(atPath: work.root + "/cgreet/data", withIntermediateDirectories: true)
        try "kept".write(toFile: work.root + "/cgreet/data/state.txt", atomically: true, encoding: .utf8)
        try #"{"greeting":"mine"}"#.write(toFile: work.root + "/cgreet/config.json", atomically: true, encoding: .utf8)

        let upgrade = try installation.install(package: v2, trust: work.trust)
        #expect(upgrade.replaced == "1.0.0")
        #expect(try version(work) == "2.0.0")
        #expect(try String(contentsOfFile: work.root + "/cgreet/data/state.txt", encoding: .utf8) == "kept")
        #expect(try String(contentsOfFile: work.root + "/cgreet/config.json", encoding: .utf8) == #"{"greeting":"mine"}"#)
        #expect(try String(contentsOfFile: work.root + "/cgreet/templates/page.html", encoding: .utf8) == "<p>2.0.0</p>")
        #expect(try PluginManifest.load(folder: installation.previousFolder("cgreet")).version == "1.0.0")
        #expect(try installation.installed("cgreet").record.version == "2.0.0")

        try "more".write(toFile: work.root + "/cgreet/data/state.txt", atomically: true, encoding: .utf8)
        #expect(try installation.rollback("cgreet") == "1.0.0")
        #expect(try version(work) == "1.0.0")
        #expect(try String(contentsOfFile: work.root + "/cgreet/data/state.txt", encoding: .utf8) == "more")
        #expect(try String(contentsOfFile: work.root + "/cgreet/config.json", encoding: .utf8) == #"{"greeting":"mine"}"#)
        #expect(try String(contentsOfFile: work.root + "/cgreet/templates/page.html", encoding: .utf8) == "<p>1.0.0</p>")
        try installation.checkFiles("cgreet")
        // Rolling back again goes forward.
        #expect(try installation.rollback("cgreet") == "2.0.0")
        // Discovery sees one plugin, not the kept or staged versions.
        let host = PluginHost(options: HostOptions(roots: [work.root]))
        defer { host.shutdown() }
        host.discover()
        #expect(host.plugins.map(\.id) == ["cgreet"])
    }

    @Test func anOlderVersionNeedsDowngrade() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        let v1 = try work.pack(try work.plugin(version: "1.0.0", name: "a"), as: "v1")
        let v2 = try work.pack(try work.plugin(version: "2.0.0", name: "b"), as: "v2")
        _ = try installation.install(package: v2, trust: work.trust)
        let before = work.snapshot()
        let message = packageError { _ = try installation.install(package: v1, trust: work.trust) }
        #expect(message.contains("cgreet 1.0.0 is older than the installed 2.0.0: add --downgrade"))
        #expect(work.snapshot() == before)
        _ = try installation.install(package: v1, trust: work.trust, downgrade: true)
        #expect(try version(work) == "1.0.0")
    }

    @Test func uninstallKeepsDataUnlessPurged() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        _ = try installation.install(package: try work.pack(try work.plugin(name: "a"), as: "v1"), trust: work.trust)
        _ = try installation.install(package: try work.pack(try work.plugin(version: "1.1.0", name: "b"), as: "v2"), trust: work.trust)
        try FileManager.default.createDirectory(atPath: work.root + "/cgreet/data", withIntermediateDirectories: true)
        try "kept".write(toFile: work.root + "/cgreet/data/state.txt", atomically: true, encoding: .utf8)

        try installation.uninstall("cgreet", purge: false)
        #expect(!FileManager.default.fileExists(atPath: work.root + "/cgreet/plugin.toml"))
        #expect(!FileManager.default.fileExists(atPath: installation.previousFolder("cgreet")))
        #expect(try String(contentsOfFile: work.root + "/cgreet/data/state.txt", encoding: .utf8) == "kept")
        #expect(FileManager.default.fileExists(atPath: work.root + "/cgreet/config.json"))
        // Installing again finds its data.
        _ = try installation.install(package: try work.pack(try work.plugin(name: "c"), as: "v3"), trust: work.trust)
        #expect(try String(contentsOfFile: work.root + "/cgreet/data/state.txt", encoding: .utf8) == "kept")
        #expect(!FileManager.default.fileExists(atPath: installation.previousFolder("cgreet")))

        try installation.uninstall("cgreet", purge: true)
        #expect(!FileManager.default.fileExists(atPath: work.root + "/cgreet"))
        let again = packageError { try installation.uninstall("cgreet", purge: true) }
        #expect(again.contains("cgreet: not installed"))
        let nothing = packageError { try installation.rollback("cgreet") }
        #expect(nothing.contains("no previous version"))
    }

    @Test func anotherSignerCannotReplaceAnInstalledPlugin() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        let ada = try SigningKey.generate(name: "ada", in: work.home.keys)
        let eve = try SigningKey.generate(name: "eve", in: work.home.keys)
        try work.trust.add(ada.publicKey)
        try work.trust.add(eve.publicKey)
        _ = try installation.install(package: try work.pack(try work.plugin(name: "a"), key: ada, as: "ada"), trust: work.trust, requireTrusted: true)
        let before = work.snapshot()
        let byEve = try work.pack(try work.plugin(version: "1.1.0", name: "b"), key: eve, as: "eve")
        let message = packageError { _ = try installation.install(package: byEve, trust: work.trust, requireTrusted: true) }
        #expect(message.contains("signed by ada"))
        #expect(work.snapshot() == before)
        let info = try installation.installed("cgreet")
        #expect(info.signer == "ada")
        #expect(info.trusted)
        #expect(info.fingerprint == ada.publicKey.fingerprint)
    }

    @Test func aFileChangedAfterInstallIsFound() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        _ = try installation.install(package: try work.pack(try work.plugin(), as: "v1"), trust: work.trust)
        try "<p>changed</p>".write(toFile: work.root + "/cgreet/templates/page.html", atomically: true, encoding: .utf8)
        let message = packageError { try installation.checkFiles("cgreet") }
        #expect(message.contains("templates/page.html: changed since install"))
    }

    @Test func aWriteErrorWhileExtractingLeavesNothing() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        _ = try installation.install(package: try work.pack(try work.plugin(name: "a"), as: "v1"), trust: work.trust)
        let v2 = try work.pack(try work.plugin(version: "1.1.0", name: "b"), as: "v2")
        let before = work.snapshot()
        // A file size limit of 4 KiB: writing the library fails with EFBIG, as on a full disk
        // (SIGXFSZ ignored, so the write returns the error).
        let script = "trap '' XFSZ; ulimit -f 4; exec \"$0\" install --dir \"$1\" \"$2\""
        let result = try work.run("/bin/sh", ["-c", script, PackageWorkspace.nekoctl, work.root, v2])
        #expect(result.status == 1)
        #expect(result.stderr.contains("cannot write"), "\(result.stderr)")
        #expect(result.stderr.contains("libcgreet.so"), "\(result.stderr)")
        #expect(work.snapshot() == before)
        #expect(try version(work) == "1.0.0")
    }
}

/// What a crashed install leaves, and installs that overlap.
@Suite struct InstallRecoveryTests {
    @Test func whatACrashedInstallLeftInStagingIsRemovedByTheNext() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        _ = try installation.install(package: try work.pack(try work.plugin(name: "a"), as: "v1"), trust: work.trust)
        // As a run killed while extracting leaves it.
        let left = work.root + "/.neko/staging/AbCdEf/cgreet"
        try FileManager.default.createDirectory(atPath: left, withIntermediateDirectories: true)
        try "partial".write(toFile: left + "/libcgreet.so", atomically: false, encoding: .utf8)
        _ = try installation.install(package: try work.pack(try work.plugin(version: "1.1.0", name: "b"), as: "v2"), trust: work.trust)
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: work.root + "/.neko/staging")) ?? []).isEmpty)
        #expect(try PluginManifest.load(folder: work.root + "/cgreet").version == "1.1.0")
    }

    @Test func installsThatOverlapTakeTurns() async throws {
        let work = try PackageWorkspace()
        let packages = try (0..<4).map { index in
            try work.pack(try work.plugin(version: "1.0.\(index)", name: "p\(index)"), as: "p\(index)")
        }
        let root = work.root
        let trust = work.trust
        try await withThrowingTaskGroup(of: Void.self) { group in
            for path in packages {
                group.addTask { _ = try Installation(root: root).install(package: path, trust: trust, downgrade: true) }
            }
            try await group.waitForAll()
        }
        // One version is installed, whole, and one kept; nothing else is left.
        let installation = Installation(root: root)
        try installation.checkFiles("cgreet")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).sorted() == [".neko", "cgreet"])
        #expect(try FileManager.default.contentsOfDirectory(atPath: root + "/.neko/previous") == ["cgreet"])
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: root + "/.neko/staging")) ?? []).isEmpty)
    }
}
