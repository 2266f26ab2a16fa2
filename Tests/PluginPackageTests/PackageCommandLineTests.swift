import Foundation
import NekoPackage
import Testing

/// The package commands as a user runs them: the real nekoctl, in a process.
@Suite struct PackageCommandLineTests {
    @Test func keygenPackSignVerifyInspectInstallRollbackUninstall() throws {
        let work = try PackageWorkspace()
        let keygen = try work.nekoctl(["keygen", "ada"])
        #expect(keygen.status == 0, "\(keygen.stderr)")
        #expect(keygen.stdout.contains("ada.key"))
        let again = try work.nekoctl(["keygen", "ada"])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already exists"))
        let trust = try work.nekoctl(["trust", "add", "--name", "ada"])
        #expect(trust.status == 0, "\(trust.stderr)")
        let list = try work.nekoctl(["trust", "list"])
        #expect(list.stdout.hasPrefix("ada\tSHA256:"))

        let v1 = try work.plugin(version: "1.0.0", name: "a")
        let v2 = try work.plugin(version: "2.0.0", name: "b")
        let pack1 = try work.nekoctl(["pack", v1, "--sign", "ada", "-o", work.base])
        #expect(pack1.status == 0, "\(pack1.stderr)")
        #expect(pack1.stdout.contains("signed by ada"))
        let file1 = work.base + "/cgreet-1.0.0.nekoplugin"
        let pack2 = try work.nekoctl(["pack", v2, "--sign", "ada", "-o", work.base])
        #expect(pack2.status == 0, "\(pack2.stderr)")

        let inspect = try work.nekoctl(["inspect", file1])
        #expect(inspect.status == 0, "\(inspect.stderr)")
        #expect(inspect.stdout.contains("cgreet 1.0.0"))
        #expect(inspect.stdout.contains("templates/page.html"))
        let json = try work.nekoctl(["inspect", file1, "--json"])
        let record = try PackageRecord.decode(Data(json.stdout.utf8), source: "stdout")
        #expect(record.id == "cgreet")

        let verify = try work.nekoctl(["verify", file1, "--require-signature"])
        #expect(verify.status == 0, "\(verify.stderr)")
        #expect(verify.stdout.contains("signer: ada (SHA256:"))
        #expect(verify.stdout.contains("trusted"))

        let install1 = try work.nekoctl(["install", "--dir", work.root, "--require-signature", file1])
        #expect(install1.status == 0, "\(install1.stderr)")
        let install2 = try work.nekoctl(["install", "--dir", work.root, "--require-signature", work.base + "/cgreet-2.0.0.nekoplugin"])
        #expect(install2.status == 0, "\(install2.stderr)")
        #expect(install2.stdout.contains("replacing 1.0.0"))
        let installed = try work.nekoctl(["verify", "--dir", work.root, "--installed", "cgreet"])
        #expect(installed.status == 0, "\(installed.stderr)")
        #expect(installed.stdout.contains("ada (SHA256:"))

        let rollback = try work.nekoctl(["rollback", "--dir", work.root, "cgreet"])
        #expect(rollback.status == 0, "\(rollback.stderr)")
        #expect(rollback.stdout.contains("back to 1.0.0"))
        // The built cgreet says it is 1.0.0: only that version loads.
        let info = try work.nekoctl(["info", "--dir", work.root, "cgreet"])
        #expect(info.status == 0, "\(info.stderr) \(info.stdout)")
        #expect(info.stdout.contains("package:"))
        #expect(info.stdout.contains("signed by ada"))
        #expect(info.stdout.contains("files match the record"))
        let uninstall = try work.nekoctl(["uninstall", "--dir", work.root, "cgreet", "--purge"])
        #expect(uninstall.status == 0, "\(uninstall.stderr)")
        #expect(!FileManager.default.fileExists(atPath: work.root + "/cgreet"))

        let remove = try work.nekoctl(["trust", "remove", "ada"])
        #expect(remove.status == 0)
        let untrusted = try work.nekoctl(["install", "--dir", work.root, "--require-signature", file1])
        #expect(untrusted.status == 1)
        #expect(untrusted.stderr.contains("not trusted"), "\(untrusted.stderr)")
    }

    @Test func installTakesAPluginFolderToo() throws {
        let work = try PackageWorkspace()
        let result = try work.nekoctl(["install", "--dir", work.root, try work.plugin()])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("signer: unsigned"))
        #expect(FileManager.default.fileExists(atPath: work.root + "/cgreet/.neko/package.json"))
        let refused = try work.nekoctl(["install", "--dir", work.root, "--require-signature", try work.plugin(version: "1.1.0", name: "b")])
        #expect(refused.status == 1)
        #expect(refused.stderr.contains("unsigned, and a signature is required"))
    }

    @Test func helpListsEveryPackageCommand() throws {
        let work = try PackageWorkspace()
        let help = try work.nekoctl(["help"])
        for command in ["pack", "keygen", "verify", "inspect", "install", "rollback", "uninstall", "trust"] {
            #expect(help.stdout.contains("  \(command) "), "\(command) missing from nekoctl help")
        }
    }
}
