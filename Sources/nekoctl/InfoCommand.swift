import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl info ID`: a plugin's manifest and entries.
struct Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a plugin's manifest and its entries, with the JSON Schema of each entry's arguments and result, and its hints.")

    @OptionGroup var host: HostOptionsGroup

    @Argument(help: "The plugin id, eg hello.")
    var id: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    @Option(help: ArgumentHelp("Show the name and description in this language, from the files of the plugin's [plugin.i18n] locales_dir, eg ja or zh-CN.", valueName: "locale"))
    var lang: String?

    @OptionGroup var server: ServerOptionsGroup

    func run() async throws {
        var info: JSON
        if let running = server.runningServer(for: host) {
            info = try running.request("info", ["plugin": .string(id)])
        } else {
            let plugins = host.makeHost()
            defer { plugins.shutdown() }
            plugins.discover()
            plugins.load(id)
            guard let status = plugins.plugin(id) else {
                Terminal.error("error: not_found: no plugin '\(id)' under \(host.resolvedRoots.joined(separator: ":"))")
                throw ExitCode(1)
            }
            info = status.infoJSON
        }
        if let lang { info = localized(info, lang) }
        if json {
            Terminal.out(info.prettyPrinted())
        } else {
            printText(info)
        }
        if !json {
            for warning in info["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? [] { Terminal.error("warning: \(warning)") }
        }
        if info["state"] == "failed" { throw ExitCode(1) }
    }

    /// `info` with its name and descriptions in `language`, and `locale` set to
    /// the translation's; unchanged (with a note on standard error) when there is none.
    private func localized(_ info: JSON, _ language: String) -> JSON {
        guard case .object(var object) = info, let folder = info["folder"]?.stringValue else { return info }
        guard let directory = info["i18n"]?["locales_dir"]?.stringValue else {
            Terminal.error("note: \(id) has no [plugin.i18n] locales_dir: showing the text of its plugin.toml")
            return info
        }
        let text: PluginManifest.LocalizedText?
        do { text = try PluginManifest.localizedText(localesFolder: Discovery.join(folder, directory), language: language) } catch {
            Terminal.error("warning: \(error.message)")
            return info
        }
        guard let text else {
            let normalized = { (locale: String) in locale.lowercased().replacing("_", with: "-") }
            if let own = info["i18n"]?["default_locale"]?.stringValue, normalized(own) == normalized(language) {
                object["locale"] = .string(own)  // plugin.toml is written in it
                return .object(object)
            }
            Terminal.error("note: \(id) has no '\(language)' translation in \(Discovery.join(folder, directory)): showing the text of its plugin.toml")
            return info
        }
        if let name = text.name { object["name"] = .string(name) }
        if let description = text.description { object["description"] = .string(description) }
        if let short = text.shortDescription { object["short_description"] = .string(short) }
        object["locale"] = .string(text.locale)
        return .object(object)
    }

    /// Prints `PluginStatus.infoJSON` for people.
    private func printText(_ info: JSON) {
        func text(_ key: String) -> String? { info[key]?.stringValue }
        var state = text("state") ?? "-"
        if state == "failed" { state += " (\(text("phase") ?? "-"): \(text("reason") ?? "-"))" }
        guard let name = text("name") else {
            Terminal.out("\(text("id") ?? id): \(state)")
            return
        }
        Terminal.out("\(text("id") ?? id) \(text("version") ?? "-"): \(name)")
        if let description = text("description"), !description.isEmpty { Terminal.out("  \(description)") }
        if let short = text("short_description"), !short.isEmpty, short != text("description") { Terminal.out("  \(short)") }
        let built = text("sdk").map { sdk in " (\(sdk)\(text("swift").map { ", Swift \($0)" } ?? ""))" } ?? ""
        var facts: [(String, String)] = [
            ("state", state + (info["load_ms"]?.doubleValue.map { " (loaded in \(Milliseconds.text($0)))" } ?? "")),
            ("folder", text("folder") ?? "-"),
            ("library", (text("library") ?? "-") + built),
            ("abi", text("abi") ?? "-"),
        ]
        let dependencies = info["dependencies"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !dependencies.isEmpty { facts.append(("depends on", dependencies.joined(separator: ", "))) }
        if let author = text("author") { facts.append(("author", author)) }
        let keywords = info["keywords"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !keywords.isEmpty { facts.append(("keywords", keywords.joined(separator: ", "))) }
        if let locale = text("locale") { facts.append(("locale", locale)) }
        if let folder = text("folder"), let package = Packaging.provenance(folder: folder) { facts.append(("package", package)) }
        if let config = info["config"], case .object(let tables) = config, !tables.isEmpty { facts.append(("config", config.description)) }
        if let isolation = text("isolation"), isolation != "none" { facts.append(("isolation", isolation)) }
        if let permissions = info["permissions"], !permissions.isNull { facts.append(("permissions", permissions.description)) }
        if let sandbox = info["sandbox"], !sandbox.isNull { facts.append(("enforced", sandbox["summary"]?.stringValue ?? "-")) }
        for (key, value) in facts { Terminal.out("  \((key + ":").padding(to: 12)) \(value)") }
        guard let entries = info["entries"]?.arrayValue else { return }
        Terminal.out("")
        Terminal.out("entries:")
        for entry in entries {
            let id = entry["id"]?.stringValue ?? "-"
            let flags = [entry["async"] == true ? "async" : "sync", entry["timeout_ms"]?.doubleValue.map { "timeout \(Milliseconds.text($0))" }]
            let name = entry["name"]?.stringValue ?? id
            Terminal.out("  \(id) (\(flags.compactMap { $0 }.joined(separator: ", ")))\(name == id ? "" : ": \(name)")")
            if let description = entry["description"]?.stringValue, !description.isEmpty { Terminal.out("    \(description)") }
            let hints = entry["hints"]?.arrayValue?.compactMap(\.stringValue) ?? []
            if !hints.isEmpty { Terminal.out("    hints: \(hints.joined(separator: ", "))") }
            let checked = entry["validates_arguments"] == true ? " (checked by the host)" : ""
            Terminal.out("    arguments\(checked): \((entry["schema"] ?? .null).description)")
            if let result = entry["result_schema"], !result.isNull { Terminal.out("    result: \(result.description)") }
        }
        guard let timers = info["timers"]?.arrayValue, !timers.isEmpty else { return }
        Terminal.out("")
        Terminal.out("timers:")
        for timer in timers {
            let every = Milliseconds.text(timer["interval_ms"]?.doubleValue ?? 0)
            Terminal.out("  \(timer["id"]?.stringValue ?? "-") (every \(every)\(timer["auto_start"] == true ? ", starts with the plugin" : ", started on request"))")
        }
    }
}

/// Durations for people: "6.1 ms", "1500.0 ms".
enum Milliseconds {
    /// `milliseconds` to the tenth, truncated, eg 6.125 -> "6.1 ms".
    static func text(_ milliseconds: Double) -> String {
        let tenths = Int64((milliseconds * 1000).rounded()) / 100
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}
