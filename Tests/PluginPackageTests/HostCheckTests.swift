import Foundation
import NekoCore
import NekoLoader
import NekoPackage
import Crypto
import Testing

/// What the host checks of an installed package before each load.
@Suite struct HostCheckTests {
    private func host(_ work: PackageWorkspace, approval: (@Sendable (PluginManifest) -> String?)? = nil) -> PluginHost {
        var options = HostOptions(roots: [work.root])
        options.cacheDirectory = work.base + "/cache"
        options.libraryApproval = approval
        return PluginHost(options: options)
    }

    @Test func aLibraryChangedSinceInstallIsRefusedAtLoadAndReload() throws {
        let work = try PackageWorkspace()
        _ = try Installation(root: work.root).install(package: try work.pack(try work.plugin(), as: "v1"), trust: work.trust)
        let plugins = host(work)
        defer { plugins.shutdown() }
        plugins.discover()
        #expect(throws: Never.self) { try plugins.load("cgreet").get() }
        // Same ELF, one byte more: still a loadable library, no longer the one installed.
        let library = work.root + "/cgreet/libcgreet.so"
        let handle = try #require(FileHandle(forWritingAtPath: library))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data([0]))
        try handle.close()
        guard case .failure(let failure) = plugins.reload("cgreet") else {
            Issue.record("the reload of a changed library succeeded")
            return
        }
        #expect(failure.message.contains("changed since it was installed"), "\(failure)")
        let fresh = host(work)
        defer { fresh.shutdown() }
        fresh.discover()
        guard case .failure(let again) = fresh.load("cgreet") else {
            Issue.record("the load of a changed library succeeded")
            return
        }
        #expect(again.phase == .open)
        #expect(again.message.contains("libcgreet.so: changed since it was installed"), "\(again)")
    }

    @Test func aFolderWithoutRecordIsNotChecked() throws {
        let work = try PackageWorkspace()
        try FileManager.default.copyItem(atPath: try work.plugin(), toPath: work.root + "/cgreet")
        let plugins = host(work)
        defer { plugins.shutdown() }
        plugins.discover()
        #expect(throws: Never.self) { try plugins.load("cgreet").get() }
    }

    @Test func theSignaturePolicyLoadsOnlyTrustedSignedPackages() throws {
        let work = try PackageWorkspace()
        let installation = Installation(root: work.root)
        let trust = work.trust
        let policy: @Sendable (PluginManifest) -> String? = { SignaturePolicy.refusal(folder: $0.folder, trust: trust) }

        // Unsigned.
        _ = try installation.install(package: try work.pack(try work.plugin(name: "a"), as: "unsigned"), trust: trust)
        var failure = try refusal(host(work, approval: policy))
        #expect(failure.contains("installed from an unsigned package"), "\(failure)")

        // Signed by a key not trusted.
        try installation.uninstall("cgreet", purge: true)
        let ada = try SigningKey.generate(name: "ada", in: work.home.keys)
        _ = try installation.install(package: try work.pack(try work.plugin(name: "b"), key: ada, as: "signed"), trust: trust)
        failure = try refusal(host(work, approval: policy))
        #expect(failure.contains("signed by 'ada'"), "\(failure)")
        #expect(failure.contains("not trusted"), "\(failure)")

        // Trusted: loads.
        try trust.add(ada.publicKey)
        let trusted = host(work, approval: policy)
        defer { trusted.shutdown() }
        trusted.discover()
        #expect(throws: Never.self) { try trusted.load("cgreet").get() }

        // Dropped in by hand: refused.
        try installation.uninstall("cgreet", purge: true)
        try FileManager.default.copyItem(atPath: try work.plugin(name: "c"), toPath: work.root + "/cgreet")
        failure = try refusal(host(work, approval: policy))
        #expect(failure.contains("not installed from a package"), "\(failure)")
    }

    private func refusal(_ plugins: PluginHost) throws -> String {
        defer { plugins.shutdown() }
        plugins.discover()
        guard case .failure(let failure) = plugins.load("cgreet") else {
            Issue.record("loaded a plugin the policy should refuse")
            return ""
        }
        return failure.message
    }

    @Test func theLoadersSHA256AgreesWithSwiftCrypto() {
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 55, 56, 63, 64, 65, 119, 120, 1000, 100_000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            var ours = SHA256Hasher()
            // In uneven pieces, to cross block boundaries.
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + 1 + index % 97)
                ours.update(Array(bytes[index..<end]))
                index = end
            }
            let theirs = hex(SHA256.hash(data: Data(bytes)))
            #expect(ours.finalizeHex() == theirs, "length \(length)")
        }
        var empty = SHA256Hasher()
        #expect(empty.finalizeHex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }
}
