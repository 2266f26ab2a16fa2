import Foundation
@_spi(Neko) import NekoCore
import Testing

/// A N.E.K.O plugin.toml (Tests/Fixtures/neko/weather) with a real library
/// behind it, through the real nekoctl: it loads and answers, its warnings
/// reach the user, `--strict` refuses them, `info --lang` translates.
@Suite(.timeLimit(.minutes(10))) struct NekoManifestCommandLineTests {
    let workspace: Workspace
    let folder: String

    /// Installs the fixture as plugin `weather`, its library built from
    /// Tests/Fixtures/c/config_echo.c (whose `config` entry answers what the host gave it).
    init() throws {
        workspace = try Workspace()
        folder = "\(workspace.root)/weather"
        try FileManager.default.copyItem(atPath: "\(Workspace.repository)/Tests/Fixtures/neko/weather", toPath: folder)
        try workspace.compile("weather", source: "\(Workspace.repository)/Tests/Fixtures/c/config_echo.c", flags: ["-DPLUGIN_ID=\"weather\""])
    }

    /// Runs nekoctl over the workspace's root.
    func nekoctl(_ arguments: String...) throws -> Shell.Output {
        try Shell.run(Workspace.nekoctl, arguments + ["--dir", workspace.root], environment: ["NEKO_CACHE_DIR": workspace.cache])
    }

    /// Runs `nekoctl check` on the fixture's folder.
    func check(_ flags: String...) throws -> Shell.Output {
        try Shell.run(Workspace.nekoctl, ["check", folder] + flags, environment: ["NEKO_CACHE_DIR": workspace.cache])
    }

    /// Rewrites the fixture's plugin.toml.
    func editManifest(_ edit: (String) -> String) throws {
        let path = "\(folder)/plugin.toml"
        try edit(try String(contentsOfFile: path, encoding: .utf8)).write(toFile: path, atomically: true, encoding: .utf8)
    }

    @Test func nekoManifestLoadsAndItsPluginGetsOnlyItsOwnTables() throws {
        let checked = try check()
        #expect(checked.status == 0, "\(checked.stderr)")
        #expect(checked.stdout.hasPrefix("ok: weather 0.1.0: 1 entries (C, ABI 1.0)"), "\(checked.stdout)")
        #expect(checked.stderr.isEmpty, "no warnings for a clean N.E.K.O manifest: \(checked.stderr)")

        let list = try nekoctl("list")
        #expect(list.stdout.split(separator: "\n").contains { $0.hasPrefix("weather ") && $0.contains("loaded") }, "\(list.stdout)")

        let call = try nekoctl("call", "weather", "config")
        #expect(call.status == 0, "\(call.stderr)")
        let expected: JSON = ["weather": ["cache_ttl_seconds": 1800, "default_city": "", "display": ["units": "metric"], "forecast_days": 3, "provider": "open-meteo"]]
        #expect(try JSON.parse(call.stdout) == expected, "config_json holds no [plugin_state], [plugin.*] or [plugin_runtime]")
    }

    @Test func warningsReachTheUserAndStrictRefusesThem() throws {
        try editManifest { $0.replacing("auto_start = true\n", with: "auto_start = true\npriorty = 1\n") }
        let warning = "warning: \(folder)/plugin.toml: unknown key `priorty` in [plugin_runtime]; did you mean `priority`?"

        let checked = try check()
        #expect(checked.status == 0)
        #expect(checked.stderr.contains(warning), "\(checked.stderr)")
        let strict = try check("--strict")
        #expect(strict.status == 1)
        #expect(strict.stderr.contains("error: manifest: \(folder)/plugin.toml: unknown key `priorty` in [plugin_runtime]; did you mean `priority`? (refused: --strict)"), "\(strict.stderr)")

        let list = try nekoctl("list")
        #expect(list.stdout.contains("loaded"))
        #expect(list.stderr.contains(warning), "\(list.stderr)")
        let listJSON = try JSON.parse(try nekoctl("list", "--json").stdout)
        #expect(listJSON[0]?["warnings"]?[0]?.stringValue == String(warning.dropFirst("warning: ".count)))
        let strictList = try nekoctl("list", "--strict")
        #expect(strictList.stdout.split(separator: "\n").contains { $0.hasPrefix("weather ") && $0.contains("failed") && $0.contains("(refused: --strict)") }, "\(strictList.stdout)")

        let info = try nekoctl("info", "weather")
        #expect(info.status == 0)
        #expect(info.stderr.contains(warning), "\(info.stderr)")
    }

    @Test func infoShowsTheTranslationAsked() throws {
        let japanese = try nekoctl("info", "weather", "--lang", "ja")
        #expect(japanese.status == 0, "\(japanese.stderr)")
        #expect(japanese.stdout.contains("weather 0.1.0: 天気とおでかけ"), "\(japanese.stdout)")
        #expect(japanese.stdout.contains("  天気とおでかけのアドバイスを調べます。"))
        #expect(japanese.stdout.contains("locale:      ja"))
        #expect(japanese.stdout.contains("keywords:    天气, weather, travel, forecast"))

        let json = try JSON.parse(try nekoctl("info", "weather", "--lang", "en-US", "--json").stdout)
        #expect(json["name"] == "Weather & Travel")
        #expect(json["locale"] == "en")
        #expect(json["short_description"] == "Weather and travel advice for a city.", "en.json has none: the manifest's stays")

        let plain = try nekoctl("info", "weather")
        #expect(plain.stdout.contains("weather 0.1.0: 天气出行"))
        let french = try nekoctl("info", "weather", "--lang", "fr")
        #expect(french.status == 0)
        #expect(french.stdout.contains("weather 0.1.0: 天气出行"))
        #expect(french.stderr.contains("note: weather has no 'fr' translation in \(folder)/i18n"), "\(french.stderr)")

        try FileManager.default.removeItem(atPath: "\(folder)/i18n/zh-CN.json")
        let own = try nekoctl("info", "weather", "--lang", "zh_cn")
        #expect(own.stdout.contains("weather 0.1.0: 天气出行") && own.stdout.contains("locale:      zh-CN"), "\(own.stdout)")
        #expect(own.stderr.isEmpty, "plugin.toml is written in its default_locale: \(own.stderr)")
    }

    @Test func pythonEntryIsExplainedAndSDKRangesAreChecked() throws {
        try editManifest { $0.replacing("library = \"libweather.so\"\n", with: "") }
        let python = try check()
        #expect(python.status == 1)
        #expect(python.stderr.contains(#"[plugin].entry = "plugin.plugins.weather:WeatherPlugin": a Python entry (module:Class); Neko loads a shared library instead"#), "\(python.stderr)")
        #expect(python.stderr.contains(#"add library = "libweather.so" to [plugin]"#))

        try editManifest { $0.replacing("[plugin.author]", with: "library = \"libweather.so\"\n\n[plugin.author]").replacing(#"supported = ">=0.1.0,<0.3.0""#, with: "supported = \">=0.1.0,<0.3.0\"\nconflicts = [\"*\"]") }
        let conflicting = try nekoctl("list")
        #expect(conflicting.stdout.split(separator: "\n").contains { $0.hasPrefix("weather ") && $0.contains(#"manifest: "#) && $0.contains(#"[plugin.sdk].conflicts includes "*""#) }, "\(conflicting.stdout)")
    }
}
