import Foundation
@_spi(Neko) import NekoCore
@_spi(Neko) import NekoLoader
@testable import NekoPackage
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

    /// FIPS 180-2's examples, fed in uneven pieces to cross block boundaries.
    @Test func sha256MatchesTheStandardsExamples() {
        let million = [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)
        let examples: [([UInt8], String)] = [
            ([], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            (Array("abc".utf8), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            (Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8),
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
            (million, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"),
        ]
        for (bytes, expected) in examples {
            let hasher = SHA256()
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + 1 + index % 997)
                hasher.update(Array(bytes[index..<end]))
                index = end
            }
            #expect(hasher.finalizeHex() == expected, "\(bytes.count) bytes")
        }
    }

    /// RFC 8032's test 2 (section 7.1): a key, a one-byte message, its signature.
    @Test func ed25519MatchesTheRFCsExample() throws {
        let secret = Data(hexDigits: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")
        let publicKey = Data(hexDigits: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c")
        let signature = Data(hexDigits: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
                                      + "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00")
        #expect(Ed25519.publicKey(of: secret) == publicKey)
        #expect(try Ed25519.sign(Data([0x72]), privateKey: secret) == signature)
        #expect(Ed25519.verify(signature, of: Data([0x72]), publicKey: publicKey))
        #expect(!Ed25519.verify(signature, of: Data([0x73]), publicKey: publicKey))
        var flipped = signature
        flipped[10] ^= 1
        #expect(!Ed25519.verify(flipped, of: Data([0x72]), publicKey: publicKey))
        #expect(!Ed25519.verify(signature.prefix(63), of: Data([0x72]), publicKey: publicKey))
    }
}

extension Data {
    /// Bytes from hex digits (test vectors).
    init(hexDigits: String) {
        let digits = Array(hexDigits.utf8)
        self.init(stride(from: 0, to: digits.count, by: 2).map { UInt8(String(decoding: digits[$0..<$0 + 2], as: UTF8.self), radix: 16)! })
    }
}
