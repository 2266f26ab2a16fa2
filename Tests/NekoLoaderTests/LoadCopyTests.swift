import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import Testing

/// `nekoctl load PATH` without a server copies what the plugin needs
/// (`PluginFiles`): the manifest, the library, `config.json`, the declared
/// assets; never a build folder or the plugin's data.
@Suite(.timeLimit(.minutes(2))) struct LoadCopyTests {
    let workspace: Workspace
    let base: String
    /// A plugin folder as an author's checkout looks: the built plugin, and everything else.
    let source: String

    init() throws {
        workspace = try Workspace()
        base = (workspace.root as NSString).deletingLastPathComponent
        source = "\(base)/src/configurable"
        let files = FileManager.default
        try files.createDirectory(atPath: "\(base)/src", withIntermediateDirectories: true)
        try files.copyItem(atPath: "\(Workspace.builtPlugins)/configurable", toPath: source)
        let manifest = try String(contentsOfFile: "\(source)/plugin.toml", encoding: .utf8)
            .replacingOccurrences(of: "abi = \"1.0\"", with: "abi = \"1.0\"\nassets = [\"templates\", \"words.txt\"]")
        try manifest.write(toFile: "\(source)/plugin.toml", atomically: true, encoding: .utf8)
        try #"{"timeout": 12}"#.write(toFile: "\(source)/config.json", atomically: true, encoding: .utf8)
        for folder in ["templates/mail", ".build/debug", "data", "Sources"] {
            try files.createDirectory(atPath: "\(source)/\(folder)", withIntermediateDirectories: true)
        }
        try "Dear {name}".write(toFile: "\(source)/templates/mail/greeting.txt", atomically: true, encoding: .utf8)
        try "neko\n".write(toFile: "\(source)/words.txt", atomically: true, encoding: .utf8)
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: "\(source)/.build/debug/big.o"))
        try "rows".write(toFile: "\(source)/data/store.db", atomically: true, encoding: .utf8)
        try "rows".write(toFile: "\(source)/data.db", atomically: true, encoding: .utf8)
        try "// code".write(toFile: "\(source)/Sources/Plugin.swift", atomically: true, encoding: .utf8)
    }

    func load(_ folder: String) throws -> Shell.Output {
        try Shell.run(Workspace.nekoctl, ["load", folder, "--dir", workspace.root, "--socket", "\(base)/nobody.sock"],
                      environment: ["NEKO_CACHE_DIR": workspace.cache])
    }

    func tree(_ folder: String) throws -> [String] {
        try FileManager.default.subpathsOfDirectory(atPath: folder).sorted()
    }

    @Test func onlyWhatThePluginNeedsIsCopied() throws {
        let loaded = try load(source)
        #expect(loaded.status == 0, "\(loaded.stderr)")
        #expect(loaded.stdout.contains("copied plugin.toml, libconfigurable.so, config.json, templates, words.txt from \(source)"), "\(loaded.stdout)")
        let target = "\(workspace.root)/configurable"
        #expect(try tree(target) == [
            "config.json", "libconfigurable.so", "plugin.toml", "templates", "templates/mail", "templates/mail/greeting.txt", "words.txt",
        ])
        #expect(try tree(base).allSatisfy { !$0.contains(".tmp-") }, "no staging folder left")
        // The copy runs, with the settings it was given.
        let call = try Shell.run(Workspace.nekoctl, ["call", "configurable", "get_settings", "--dir", workspace.root, "--socket", "\(base)/nobody.sock"],
                                 environment: ["NEKO_CACHE_DIR": workspace.cache])
        #expect(call.status == 0, "\(call.stderr)")
        #expect(try JSON.parse(call.stdout) == ["timeout": 12])
    }

    @Test func aMissingAssetWarnsAndABadOneIsRefusedNamingIt() throws {
        try FileManager.default.removeItem(atPath: "\(source)/words.txt")
        let warned = try PluginManifest.load(folder: source)
        #expect(warned.warnings.contains { $0.contains("[plugin].assets[1] = \"words.txt\": no such file or folder in \(source)") }, "\(warned.warnings)")
        #expect(PluginFiles.needed(by: warned) == ["plugin.toml", "libconfigurable.so", "config.json", "templates"])

        let manifest = try String(contentsOfFile: "\(source)/plugin.toml", encoding: .utf8)
        for (bad, index) in [("../elsewhere", 1), ("/etc/passwd", 1)] {
            let text = manifest.replacingOccurrences(of: "\"words.txt\"", with: "\"\(bad)\"")
            try text.write(toFile: "\(source)/plugin.toml", atomically: true, encoding: .utf8)
            let refused = try #require(throws: LoadFailure.self) { try PluginManifest.load(folder: source) }
            #expect(refused.message.contains("[plugin].assets[\(index)] = \"\(bad)\": expected a path inside the plugin folder"), "\(refused.message)")
            let loaded = try load(source)
            #expect(loaded.status == 1)
            #expect(loaded.stderr.contains("[plugin].assets[\(index)]"), "\(loaded.stderr)")
            #expect(!FileManager.default.fileExists(atPath: "\(workspace.root)/configurable"), "nothing copied")
        }
    }

    @Test func anExistingTargetIsRefusedAndLeftAlone() throws {
        try FileManager.default.createDirectory(atPath: "\(workspace.root)/configurable", withIntermediateDirectories: true)
        let loaded = try load(source)
        #expect(loaded.status == 1)
        #expect(loaded.stderr.contains("\(workspace.root)/configurable already exists"))
        #expect(try tree("\(workspace.root)/configurable").isEmpty)
    }
}
