import Foundation
@testable import Example_configurable
import NekoPlugin
import NekoPluginTesting
import Testing

/// The configurable example's settings (config.json) in the harness's folder:
/// given before the start, read and changed through the entries and through
/// the settings extension that `nekoctl settings` uses.
@Suite struct ConfigurableHarnessTests {
    let manifest = HarnessManifest(id: "configurable", version: "1.0.0")

    @Test func theDefaultsHoldWithoutAFile() async throws {
        let harness = try PluginHarness(Configurable.self, manifest: manifest)
        #expect(try await harness.call("get_settings", as: Configurable.Settings.self).timeout == 30)
        #expect(try harness.settings() == ["timeout": 30])
    }

    @Test func givenSettingsAreReadAndChangesAreSavedOrRefused() async throws {
        let harness = try PluginHarness(Configurable.self, manifest: manifest, settings: ["timeout": 5])
        #expect(try await harness.call("get_settings", as: Configurable.Settings.self).timeout == 5)

        try harness.changeSettings(["timeout": 60])
        #expect(try harness.settings() == ["timeout": 60])
        let saved = try Data(contentsOf: harness.folder.appending(path: "config.json"))
        #expect(try JSON.parse(Array(saved)) == ["timeout": 60])

        #expect(throws: CallError.self) { try harness.changeSettings(["timeout": 0]) }
        let refused = await #expect(throws: CallError.self) { try await harness.call("set_settings", ["timeout": -1] as JSON, as: JSON.self) }
        #expect(refused?.field == "timeout")
        #expect(try harness.settings() == ["timeout": 60], "a refused change changes nothing")
    }

    @Test func aSettingsFileOfTheWrongTypeFailsTheCreateNamingTheKey() throws {
        let error = #expect(throws: HarnessLoadError.self) { try PluginHarness(Configurable.self, manifest: manifest, settings: ["timeout": "soon"]) }
        #expect(error?.phase == "create")
        #expect(error?.message.contains("config.json") == true && error?.message.contains("timeout") == true, "\(error?.description ?? "")")
    }
}
