import FoundationEssentials
import NekoPlugin
import NekoPluginTesting
import Testing

// docs/SDK.md, "The context", "Settings" and "Storage".

final class Weather: Plugin {
    static let entries: [Entry<Weather>] = [
        Entry("forecast", description: "The forecast for `city`.", Weather.forecast),
        Entry("remember", description: "Keeps the last city.", Weather.remember),
    ]

    struct Units: Codable {
        var metric: Bool
        var decimals: Int
    }

    struct Settings: Codable {
        var timeout = 30
    }

    struct City: Codable { var city: String }
    struct Forecast: Codable { var city: String; var celsius: Double }

    private let context: PluginContext
    private let units: Units
    private let settings: SettingsFile<Settings>

    init(context: PluginContext) throws {
        self.context = context
        units = try context.config("units", as: Units.self)
        settings = try context.settingsFile(default: Settings()) { old, new in
            guard new.timeout > 0 else { throw CallError.invalidArgument("timeout", "must be positive") }
        }
    }

    func describe() -> String {
        "\(context.pluginID) in \(context.folder.path), data in \(context.dataFolder.path), config \(context.config)"
    }

    func forecast(_ city: City) async throws -> Forecast {
        context.logger.info("forecast asked", metadata: ["city": "\(city.city)"])
        let receipt = context.emit("asked", ["city": city.city])
        if case .refused(let why) = receipt { context.logger.warning("not told: \(why)") }
        let reading = try await context.call("sensors", "read", ["city": city.city], timeout: .seconds(2), as: [String: Double].self)
        return Forecast(city: city.city, celsius: reading["celsius"] ?? .nan)
    }

    func raw(_ city: City) async throws -> JSON {
        let bytes = try await context.callRaw("sensors", "read", Array(#"{"city": "Oslo"}"#.utf8))
        return try JSON.parse(bytes)
    }

    func useSettings() throws -> Int {
        let timeout = settings.value.timeout
        try settings.update { $0.timeout = timeout * 2 }
        return settings.value.timeout
    }

    func remember(_ city: City) throws -> [String: String] {
        let db = try context.database()
        try db.execute("CREATE TABLE IF NOT EXISTS cities (name TEXT PRIMARY KEY, asked INTEGER)")
        try db.execute("INSERT OR REPLACE INTO cities (name, asked) VALUES (?, ?)", .text(city.city), .integer(1))
        let rows = try db.query("SELECT name FROM cities WHERE asked = ?", .integer(1))
        let names = rows.compactMap { $0.string("name") }

        let store = try context.store()
        try store.set("last", city)
        let last = try store.get("last", as: City.self)
        return ["last": last?.city ?? "", "all": names.joined(separator: ",")]
    }
}

@Suite struct ContextExamples {
    let harness: PluginHarness<Weather>

    init() throws {
        harness = try PluginHarness(Weather.self, manifest: HarnessManifest(id: "weather"), config: ["units": ["metric": true, "decimals": 2]], settings: ["timeout": 10])
        harness.stub("sensors", "read") { (city: Weather.City) in ["celsius": city.city == "Oslo" ? -3.5 : 20] }
    }

    @Test func theContextReachesConfigLogsMessagesAndOtherPlugins() async throws {
        let forecast = try await harness.call("forecast", Weather.City(city: "Oslo"), as: Weather.Forecast.self)
        #expect(forecast.celsius == -3.5)
        #expect(harness.emitted == [EmittedMessage("asked", ["city": "Oslo"])])
        #expect(harness.logs == [LogLine(.info, "forecast asked city=Oslo")])
        #expect(harness.outgoingCalls == [OutgoingCallRecord(plugin: "sensors", entry: "read", arguments: ["city": "Oslo"])])
    }

    @Test func storageLivesInTheDataFolder() async throws {
        let remembered = try await harness.call("remember", Weather.City(city: "Oslo"), as: [String: String].self)
        #expect(remembered == ["last": "Oslo", "all": "Oslo"])
        #expect(FileManager.default.fileExists(atPath: harness.dataFolder.appending(path: "data.db").path))
        #expect(try harness.settings() == ["timeout": 10])
        #expect(throws: CallError.self) { try harness.changeSettings(["timeout": 0]) }
    }
}
