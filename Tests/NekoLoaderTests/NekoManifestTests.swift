import Foundation
@_spi(Neko) import NekoCore
import Testing
@testable import NekoLoader

/// N.E.K.O's plugin.toml keys: a N.E.K.O manifest loads with `library` added,
/// each of its tables is modeled and type-checked, unknown keys warn (and are
/// refused under strict), `[plugin.sdk]` is checked against the host's SDK.
@Suite struct NekoManifestTests {
    /// The N.E.K.O-shaped fixture, Tests/Fixtures/neko/weather.
    static let fixture = "\(Workspace.repository)/Tests/Fixtures/neko/weather"

    /// Copies the fixture into `sandbox` as `<root>/weather` (with an empty library file),
    /// its plugin.toml edited by `edit`.
    private func weather(in sandbox: Sandbox, root: String = "plugins", edit: (String) -> String = { $0 }) throws -> String {
        let folder = sandbox.root(root) + "/weather"
        try FileManager.default.createDirectory(atPath: sandbox.root(root), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.fixture, toPath: folder)
        let text = try String(contentsOfFile: folder + "/plugin.toml", encoding: .utf8)
        write(folder + "/plugin.toml", Data(edit(text).utf8))
        write(folder + "/libweather.so", Data())
        return folder
    }

    @Test func nekoManifestLoadsWithEveryTableModeled() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try PluginManifest.load(folder: try weather(in: sandbox))
        #expect(loaded.warnings.isEmpty, "\(loaded.warnings)")
        #expect(loaded.name == "天气出行")
        #expect(loaded.shortDescription == "Weather and travel advice for a city.")
        #expect(loaded.keywords == ["天气", "weather", "travel", "forecast"])
        #expect(loaded.packageType == .plugin)
        #expect(loaded.entry == "plugin.plugins.weather:WeatherPlugin")
        #expect(loaded.library == "libweather.so")
        #expect(loaded.abi == PluginManifest.ABIVersion(major: PluginManifest.ABIVersion.host.major, minor: 0), "no abi: the host major's first")
        #expect(loaded.sdk == VersionRequirement(recommended: try VersionRange(">=0.1.0,<0.2.0"), supported: try VersionRange(">=0.1.0,<0.3.0")))
        #expect(loaded.store == PluginManifest.Store(enabled: true, backend: nil))
        #expect(loaded.database == PluginManifest.Database(enabled: false))
        #expect(loaded.statePersistence == PluginManifest.StatePersistence(backend: .file, mode: .auto))
        #expect(loaded.safety == PluginManifest.Safety(syncCallInHandler: "warn"))
        #expect(loaded.localization == PluginManifest.Localization(defaultLocale: "zh-CN", localesDirectory: "i18n"))
        #expect(loaded.ui?.enabled == true)
        #expect(loaded.ui?.surfaces.map(\.kind) == ["panel", "guide"])
        #expect(loaded.ui?.surfaces.first?.permissions == ["state:read", "action:call"])
        // Only the plugin's own tables are its configuration: no [plugin_state], no [plugin.*].
        #expect(loaded.config.objectValue?.keys == ["weather"])
        #expect(loaded.config["weather"]?["display"]?["units"] == "metric")
    }

    @Test func pythonEntryWithoutLibrarySaysWhatToAdd() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = try weather(in: sandbox) { $0.replacing("library = \"libweather.so\"\n", with: "") }
        expectFailure(folder, [
            #"[plugin].entry = "plugin.plugins.weather:WeatherPlugin": a Python entry (module:Class); Neko loads a shared library instead"#,
            "build the plugin as libweather.so", "nekoctl new weather", #"add library = "libweather.so" to [plugin]"#,
        ])
    }

    // MARK: - Unknown keys

    @Test func unknownKeysWarnNamingTheNearestKnownKey() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: manifest("hello", plugin: "libary = \"libhello.so\"", after: """
            [plugin.sdk]
            supportd = ">=0.1"
            [plugin_state]
            persist = "auto"
            [[plugin.dependency]]
            id = "base"
            untestd = ">=1"
            [plugin_runtime]
            priorty = 1
            zzz = 2
            """))
        sandbox.plugin("base", toml: manifest("base"))
        let loaded = try PluginManifest.load(folder: folder)
        let file = folder + "/plugin.toml: "
        #expect(loaded.warnings == [
            file + "unknown key `libary` in [plugin]; did you mean `library`?",
            file + "unknown key `untestd` in [[plugin.dependency]][0]; did you mean `untested`?",
            file + "unknown key `priorty` in [plugin_runtime]; did you mean `priority`?",
            file + "unknown key `zzz` in [plugin_runtime]; known keys: enabled, auto_start, timeout, startup_failure, priority, isolation, memory_limit, open_files",
            file + "unknown key `supportd` in [plugin.sdk]; did you mean `supported`?",
            file + "unknown key `persist` in [plugin_state]; known keys: backend, persist_mode",
        ])
        expectFailure(folder, strict: true, ["unknown key `libary` in [plugin]; did you mean `library`? (refused: --strict)"])
        // Discovery and the host's status carry the same warnings.
        let found = Discovery.scan(roots: [sandbox.root()]).first { $0.id == "hello" }
        #expect((try? found?.manifest.get())?.warnings == loaded.warnings)
        #expect(Discovery.scan(roots: [sandbox.root()], strict: true).first { $0.id == "hello" }?.manifest.failure?.message.contains("(refused: --strict)") == true)
    }

    // MARK: - Each new key, wrong

    static let badKeys: [ManifestTests.BadManifest] = [
        .init("short_description", manifest("hello", plugin: "short_description = 1"), "[plugin].short_description = 1: expected a string, found an integer"),
        .init("keywords", manifest("hello", plugin: "keywords = \"a\""), "[plugin].keywords = \"a\": expected an array of strings"),
        .init("keyword", manifest("hello", plugin: "keywords = [\"a\", 2]"), "[plugin].keywords[1] = 2: expected a string, found an integer"),
        .init("type", manifest("hello", plugin: "type = \"widget\""), "[plugin].type = \"widget\": expected one of \"plugin\", \"extension\", \"script\", \"adapter\""),
        .init("type kind", manifest("hello", plugin: "type = 3"), "[plugin].type = 3: expected a string, one of \"plugin\""),
        .init("previous_ids", manifest("hello", plugin: "previous_ids = \"old\""), "[plugin].previous_ids = \"old\": expected an array of plugin ids"),
        .init("previous id", manifest("hello", plugin: "previous_ids = [\"a/b\"]"), "[plugin].previous_ids[0] = \"a/b\": expected a plugin id"),
        .init("previous id self", manifest("hello", plugin: "previous_ids = [\"hello\"]"), "[plugin].previous_ids[0] = \"hello\": that is the plugin's id now"),
        .init("entry", manifest("hello", plugin: "entry = 5"), "[plugin].entry = 5: expected a string, found an integer"),
        .init("entry not python", manifest("hello", plugin: "entry = \"main\""), "[plugin].entry = \"main\": Neko does not use entry: it loads a shared library"),
        .init("passive", manifest("hello", plugin: "passive = \"yes\""), "[plugin].passive = \"yes\": expected a boolean"),
        .init("sdk table", manifest("hello", plugin: "sdk = \">=0.1\""), "[plugin].sdk = \">=0.1\": expected a table, found a string"),
        .init("sdk supported", manifest("hello", after: "[plugin.sdk]\nsupported = 1"), "[plugin.sdk].supported = 1: expected a version range like \">=1.0.0,<2.0.0\", found an integer"),
        .init("sdk range", manifest("hello", after: "[plugin.sdk]\nsupported = \"=>0.1\""), "[plugin.sdk].supported = \"=>0.1\": cannot read \"=>0.1\""),
        .init("sdk conflicts", manifest("hello", after: "[plugin.sdk]\nconflicts = 0"), "[plugin.sdk].conflicts = 0: expected a version range or an array of them"),
        .init("sdk conflict", manifest("hello", after: "[plugin.sdk]\nconflicts = [\"<0.1\", \"oops\"]"), "[plugin.sdk].conflicts[1] = \"oops\": cannot read \"oops\""),
        .init("dependency table", manifest("hello", plugin: "dependency = \"base\""), "[plugin].dependency = \"base\": expected an array of tables [[plugin.dependency]], found a string"),
        .init("dependency element", manifest("hello", plugin: "dependency = [1]"), "[plugin].dependency[0] = 1: expected a table [[plugin.dependency]], found an integer"),
        .init("dependency id missing", manifest("hello", after: "[[plugin.dependency]]\nsupported = \">=1\""), "missing required field [[plugin.dependency]][0].id (a plugin id"),
        .init("dependency id", manifest("hello", after: "[[plugin.dependency]]\nid = 7"), "[[plugin.dependency]][0].id = 7: expected a plugin id, eg \"timer_service\", found an integer"),
        .init("dependency self", manifest("hello", after: "[[plugin.dependency]]\nid = \"hello\""), "[[plugin.dependency]][0].id = \"hello\": a plugin cannot depend on itself"),
        .init("dependency twice", manifest("hello", after: "[[plugin.dependency]]\nid = \"a\"\n[[plugin.dependency]]\nid = \"a\""), "[[plugin.dependency]][1].id = \"a\": expected each plugin once"),
        .init("dependency range", manifest("hello", after: "[[plugin.dependency]]\nid = \"a\"\nuntested = [1]"), "[[plugin.dependency]][0].untested = [1]: expected a version range"),
        .init("dependency by entry", manifest("hello", after: "[[plugin.dependency]]\nentry = \"start_timer\""), "[[plugin.dependency]][0].entry = \"start_timer\": Neko finds a dependency by its plugin id only"),
        .init("dependency providers", manifest("hello", after: "[[plugin.dependency]]\nproviders = [\"a\", \"b\"]"), "[[plugin.dependency]][0].providers = [\"a\", \"b\"]: Neko finds a dependency by its plugin id only"),
        .init("dependency conflicts false", manifest("hello", after: "[[plugin.dependency]]\nid = \"a\"\nconflicts = false"), "[[plugin.dependency]][0].conflicts = false: expected true"),
        .init("store table", manifest("hello", plugin: "store = true"), "[plugin].store = true: expected a table, found a boolean"),
        .init("store enabled", manifest("hello", after: "[plugin.store]\nenabled = \"true\""), "[plugin.store].enabled = \"true\": expected a boolean (true or false), found a string"),
        .init("store backend", manifest("hello", after: "[plugin.store]\nbackend = \"disk\""), "[plugin.store].backend = \"disk\": expected one of \"file\", \"sqlite\", \"memory\""),
        .init("database enabled", manifest("hello", after: "[plugin.database]\nenabled = 1"), "[plugin.database].enabled = 1: expected a boolean (true or false), found an integer"),
        .init("plugin_state table", "plugin_state = 1\n" + manifest("hello"), "plugin_state = 1: expected a table [plugin_state], found an integer"),
        .init("plugin_state backend", manifest("hello", after: "[plugin_state]\nbackend = 1"), "[plugin_state].backend = 1: expected a string, one of \"file\""),
        .init("plugin_state persist_mode", manifest("hello", after: "[plugin_state]\npersist_mode = \"often\""), "[plugin_state].persist_mode = \"often\": expected one of \"auto\", \"always\", \"manual\", \"disabled\""),
        .init("i18n default_locale", manifest("hello", after: "[plugin.i18n]\ndefault_locale = 1"), "[plugin.i18n].default_locale = 1: expected a locale, eg \"zh-CN\", found an integer"),
        .init("i18n locales_dir", manifest("hello", after: "[plugin.i18n]\nlocales_dir = []"), "[plugin.i18n].locales_dir = []: expected a folder name"),
        .init("i18n locales_dir escape", manifest("hello", after: "[plugin.i18n]\nlocales_dir = \"../i18n\""), "[plugin.i18n].locales_dir = \"../i18n\": expected a folder inside the plugin folder"),
        .init("ui enabled", manifest("hello", after: "[plugin.ui]\nenabled = \"no\""), "[plugin.ui].enabled = \"no\": expected a boolean"),
        .init("ui panel", manifest("hello", after: "[plugin.ui]\npanel = 1"), "[plugin.ui].panel = 1: expected an array of tables [[plugin.ui.panel]], found an integer"),
        .init("ui panel title", manifest("hello", after: "[[plugin.ui.panel]]\ntitle = 1"), "[[plugin.ui.panel]][0].title = 1: expected a string, found an integer"),
        .init("ui panel mode", manifest("hello", after: "[[plugin.ui.docs]]\nmode = \"pdf\""), "[[plugin.ui.docs]][0].mode = \"pdf\": expected one of \"static\", \"hosted-tsx\", \"markdown\", \"auto\""),
        .init("ui panel permissions", manifest("hello", after: "[[plugin.ui.guide]]\npermissions = [1]"), "[[plugin.ui.guide]][0].permissions[0] = 1: expected a string, found an integer"),
        .init("ui panel available", manifest("hello", after: "[[plugin.ui.guide]]\navailable = 1"), "[[plugin.ui.guide]][0].available = 1: expected a boolean"),
        .init("ui entry and url", manifest("hello", after: "[[plugin.ui.panel]]\nentry = \"a.tsx\"\nurl = \"http://x\""), "[[plugin.ui.panel]][0] has both entry and url: expected one of them"),
        .init("safety", manifest("hello", after: "[plugin.safety]\nsync_call_in_handler = \"block\""), "[plugin.safety].sync_call_in_handler = \"block\": expected one of \"warn\", \"reject\""),
        .init("host table", manifest("hello", plugin: "host = 1"), "[plugin].host = 1: expected a table, found an integer"),
    ]

    @Test(arguments: badKeys)
    func wrongTypeNamesKeyTableAndExpectation(_ bad: ManifestTests.BadManifest) {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hello", toml: bad.toml)
        expectFailure(folder, [folder + "/plugin.toml: "] + bad.parts)
    }

    // MARK: - [plugin.sdk]

    @Test func sdkRangesAreCheckedAgainstTheHostSDK() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let host = PluginManifest.hostSDKVersion.description
        func folder(_ sdk: String) -> String {
            sandbox.plugin("hello", toml: manifest("hello", after: "[plugin.sdk]\n" + sdk))
        }
        expectFailure(folder("conflicts = [\"<0.0.1\", \"=\(host)\"]"), ["[plugin.sdk].conflicts includes \"=\(host)\", and this host's SDK is \(host)"])
        expectFailure(folder("supported = \">\(host)\""), ["[plugin.sdk].supported = \">\(host)\" does not include this host's SDK \(host)", "update it, or widen the range"])
        let untested = try PluginManifest.load(folder: folder("supported = \">\(host)\"\nuntested = \"^\(host)\""))
        #expect(untested.warnings == ["\(untested.manifestPath): [plugin.sdk].untested = \"^\(host)\" includes this host's SDK \(host): the plugin was not tested with it"])
        let notRecommended = try PluginManifest.load(folder: folder("supported = \"*\"\nrecommended = \"<0.0.1\""))
        #expect(notRecommended.warnings == ["\(notRecommended.manifestPath): [plugin.sdk].recommended = \"<0.0.1\" does not include this host's SDK \(host)"])
        // A disabled plugin never loads: its SDK is not checked.
        let disabled = sandbox.plugin("hello", toml: manifest("hello", after: "[plugin.sdk]\nsupported = \">\(host)\"\n[plugin_runtime]\nenabled = false"))
        #expect(try PluginManifest.load(folder: disabled).runtime.enabled == false)
        // Another host's SDK version.
        let ranged = try PluginManifest.load(folder: folder("supported = \">=0.1.0,<0.3.0\""))
        #expect(try PluginManifest.checkSDK(ranged, hostSDK: #require(SemanticVersion("0.2.5"))).isEmpty)
        #expect(throws: LoadFailure(.manifest, "\(ranged.manifestPath): [plugin.sdk].supported = \">=0.1.0,<0.3.0\" does not include this host's SDK 0.3.0; the plugin was written for another SDK: update it, or widen the range if it works")) {
            _ = try PluginManifest.checkSDK(ranged, hostSDK: #require(SemanticVersion("0.3.0")))
        }
    }

    // MARK: - [plugin.i18n]

    @Test func localizedTextComesFromTheLocalesFolder() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try PluginManifest.load(folder: try weather(in: sandbox))
        let ja = try #require(try loaded.localizedText("ja"))
        #expect(ja.name == "天気とおでかけ" && ja.locale == "ja" && ja.shortDescription == "都市の天気とおでかけのアドバイス。")
        #expect(try loaded.localizedText("ja_JP")?.locale == "ja")
        #expect(try loaded.localizedText("zh")?.locale == "zh-CN")
        #expect(try loaded.localizedText("EN")?.description == "Looks up the weather and travel advice.")
        #expect(try loaded.localizedText("en")?.shortDescription == nil)
        #expect(try loaded.localizedText("fr") == nil)

        write(loaded.folder + "/i18n/ko.json", Data("{\"plugin.name\": ".utf8))
        #expect(throws: LoadFailure.self) { try loaded.localizedText("ko") }
        do { _ = try loaded.localizedText("ko") } catch { #expect(error.message.hasPrefix(loaded.folder + "/i18n/ko.json: not valid JSON: ")) }
        write(loaded.folder + "/i18n/ru.json", Data("{\"plugin.name\": 5}".utf8))
        #expect(throws: LoadFailure(.manifest, loaded.folder + "/i18n/ru.json: \"plugin.name\" = 5: expected a string")) { try loaded.localizedText("ru") }

        let missing = try PluginManifest.load(folder: try weather(in: sandbox, root: "other") { $0.replacing("locales_dir = \"i18n\"", with: "locales_dir = \"lang\"") })
        #expect(missing.warnings.count == 1)
        #expect(missing.warnings.first?.contains("[plugin.i18n].locales_dir = \"lang\": no such folder in \(missing.folder)") == true)
        #expect(try missing.localizedText("ja") == nil)
    }
}
