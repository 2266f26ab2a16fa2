import FoundationEssentials
@_spi(Neko) import NekoCore
import Testing
@testable import NekoLoader

/// `[plugin.mcp]` in plugin.toml: which entries `nekoctl mcp` offers as tools.
@Suite struct MCPManifestTests {
    @Test func absentTableExposesEverything() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try PluginManifest.load(folder: sandbox.plugin("hello", toml: manifest("hello")))
        #expect(loaded.mcp == .exposed)
        #expect(loaded.mcp.exposes("greet"))
    }

    @Test func exposeAndHideAreRead() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let hidden = try PluginManifest.load(folder: sandbox.plugin("hello", toml: manifest("hello", after: "[plugin.mcp]\nhide = [\"fail\", \"v1.reset\"]")))
        #expect(hidden.mcp == PluginManifest.MCP(expose: true, hidden: ["fail", "v1.reset"]))
        #expect(!hidden.mcp.exposes("fail") && hidden.mcp.exposes("greet"))
        let off = try PluginManifest.load(folder: sandbox.plugin("other", toml: manifest("other", after: "[plugin.mcp]\nexpose = false")))
        #expect(!off.mcp.expose && !off.mcp.exposes("greet"))
    }

    static let bad: [ManifestTests.BadManifest] = [
        .init("mcp table", manifest("hello", plugin: "mcp = false"), "[plugin].mcp = false: expected a table, found a boolean"),
        .init("expose", manifest("hello", after: "[plugin.mcp]\nexpose = \"no\""), "[plugin.mcp].expose = \"no\": expected a boolean (true or false), found a string"),
        .init("hide", manifest("hello", after: "[plugin.mcp]\nhide = \"fail\""), "[plugin.mcp].hide = \"fail\": expected an array of entry ids"),
        .init("hide element", manifest("hello", after: "[plugin.mcp]\nhide = [\"fail\", 3]"), "[plugin.mcp].hide[1] = 3: expected a string, found an integer"),
        .init("hide id", manifest("hello", after: "[plugin.mcp]\nhide = [\"a b\"]"), "[plugin.mcp].hide[0] = \"a b\": expected an entry id (1 to 128 of A-Z a-z 0-9 _ . -)"),
        .init("hide twice", manifest("hello", after: "[plugin.mcp]\nhide = [\"fail\", \"fail\"]"), "[plugin.mcp].hide[1] = \"fail\": expected each entry id once"),
    ]

    @Test(arguments: bad)
    func badValueNamesTheField(_ bad: ManifestTests.BadManifest) {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: bad.toml)
        expectFailure(folder, [folder + "/plugin.toml: "] + bad.parts)
    }

    @Test func unknownKeyIsAWarningOrRefusedWhenStrict() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello", after: "[plugin.mcp]\nhidden = [\"fail\"]"))
        let loaded = try PluginManifest.load(folder: folder)
        #expect(loaded.warnings.contains { $0.contains("hidden") && $0.contains("hide") })
        expectFailure(folder, strict: true, ["hidden"])
    }
}
