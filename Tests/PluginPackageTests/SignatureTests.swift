import Foundation
import NekoPackage
import Testing

/// `nekoctl keygen`, `--sign`, `verify` and the trust store.
@Suite struct SignatureTests {
    @Test func keygenMakesAPrivateKeyOnlyItsOwnerReadsAndNeverOverwrites() throws {
        let work = try PackageWorkspace()
        let key = try SigningKey.generate(name: "ada", in: work.home.keys)
        var status = stat()
        #expect(stat(work.home.keys + "/ada.key", &status) == 0)
        #expect(status.st_mode & 0o777 == 0o600)
        let before = FileManager.default.contents(atPath: work.home.keys + "/ada.key")
        let again = packageError { try SigningKey.generate(name: "ada", in: work.home.keys) }
        #expect(again.contains("ada.key already exists"))
        #expect(FileManager.default.contents(atPath: work.home.keys + "/ada.key") == before)
        let loaded = try SigningKey.load(path: work.home.keys + "/ada.key")
        #expect(loaded.publicKey == key.publicKey)
        #expect(try PublicKey.load(path: work.home.keys + "/ada.pub") == key.publicKey)
        let badName = packageError { try SigningKey.generate(name: "../x", in: work.home.keys) }
        #expect(badName.contains("not a key name"))
        chmod(work.home.keys + "/ada.key", 0o644)
        let open = packageError { _ = try SigningKey.load(path: work.home.keys + "/ada.key") }
        #expect(open.contains("chmod 600"))
    }

    @Test func verifyNamesTheSignerAndWhetherItIsTrusted() throws {
        let work = try PackageWorkspace()
        let key = try SigningKey.generate(name: "ada", in: work.home.keys)
        let path = try work.pack(try work.plugin(), key: key, as: "signed")
        let untrusted = try PackageVerifier.verify(path: path, trust: work.trust)
        #expect(untrusted.signer == .untrusted(claimedName: "ada", fingerprint: key.publicKey.fingerprint))
        let refused = packageError { _ = try PackageVerifier.verify(path: path, trust: work.trust, requireTrusted: true) }
        #expect(refused.contains("signed by 'ada'"))
        #expect(refused.contains("not trusted"))
        try work.trust.add(key.publicKey)
        let trusted = try PackageVerifier.verify(path: path, trust: work.trust, requireTrusted: true)
        #expect(trusted.signer == .trusted(name: "ada", fingerprint: key.publicKey.fingerprint))
        try work.trust.remove(name: "ada")
        #expect(try work.trust.keys().isEmpty)
    }

    @Test func anUnsignedPackageIsRefusedWhenASignatureIsRequired() throws {
        let work = try PackageWorkspace()
        let path = try work.pack(try work.plugin(), as: "unsigned")
        #expect(try PackageVerifier.verify(path: path, trust: work.trust).signer == .unsigned)
        let refused = packageError { _ = try PackageVerifier.verify(path: path, trust: work.trust, requireTrusted: true) }
        #expect(refused.contains("unsigned, and a signature is required"))
    }

    @Test func aTamperedRecordBreaksTheSignature() throws {
        let work = try PackageWorkspace()
        let key = try SigningKey.generate(name: "ada", in: work.home.keys)
        try work.trust.add(key.publicKey)
        let path = try work.pack(try work.plugin(), key: key, as: "signed")
        let tampered = try rewrite(path, to: work.base + "/tampered.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == ".neko/package.json" })
            // Still a valid record, but not the bytes that were signed.
            entries[index].data += Data("\n".utf8)
        }
        let message = packageError { _ = try PackageVerifier.verify(path: tampered, trust: work.trust) }
        #expect(message.contains("the signature does not match the record"))
    }

    @Test func aValidSignatureOverAnotherRecordIsRefused() throws {
        let work = try PackageWorkspace()
        let key = try SigningKey.generate(name: "ada", in: work.home.keys)
        try work.trust.add(key.publicKey)
        let one = try work.pack(try work.plugin(version: "1.0.0", name: "a"), key: key, as: "one")
        let two = try work.pack(try work.plugin(version: "2.0.0", name: "b"), key: key, as: "two")
        let otherSignature = try #require(try readEntries(two).first { $0.path == ".neko/signature.json" })
        let swapped = try rewrite(one, to: work.base + "/swapped.nekoplugin") { entries in
            let index = try #require(entries.firstIndex { $0.path == ".neko/signature.json" })
            entries[index] = otherSignature
        }
        let message = packageError { _ = try PackageVerifier.verify(path: swapped, trust: work.trust) }
        #expect(message.contains("the signature does not match the record"))
    }

    @Test func aSignatureByAnotherKeyUnderTheSameNameIsNotTrusted() throws {
        let work = try PackageWorkspace()
        let real = try SigningKey.generate(name: "ada", in: work.home.keys)
        try work.trust.add(real.publicKey)
        let impostor = try SigningKey.generate(name: "ada", in: work.base + "/impostor")
        let path = try work.pack(try work.plugin(), key: impostor, as: "impostor")
        let verified = try PackageVerifier.verify(path: path, trust: work.trust)
        #expect(verified.signer == .untrusted(claimedName: "ada", fingerprint: impostor.publicKey.fingerprint))
        let refused = packageError { _ = try PackageVerifier.verify(path: path, trust: work.trust, requireTrusted: true) }
        #expect(refused.contains(impostor.publicKey.fingerprint))
        let twice = packageError { try work.trust.add(impostor.publicKey) }
        #expect(twice.contains("another key is trusted as 'ada'"))
    }
}
