@_spi(Neko) import NekoCore

extension PluginManifest {
    /// A plugin's name and descriptions in one language, read from N.E.K.O's
    /// `<locales_dir>/<locale>.json` (keys `plugin.name`, `plugin.description`,
    /// `plugin.short_description`; the file's other keys are the plugin's own).
    public struct LocalizedText: Sendable, Equatable {
        /// The locale of the file that matched, eg `"zh-CN"` for a request of `"zh"`.
        public let locale: String
        /// The file read, eg `"/srv/plugins/weather/i18n/zh-CN.json"`.
        public let file: String
        /// `plugin.name`, eg `"天气出行"`; nil when the file lacks it.
        public let name: String?
        /// `plugin.description`; nil when the file lacks it.
        public let description: String?
        /// `plugin.short_description`; nil when the file lacks it.
        public let shortDescription: String?
    }

    /// The plugin's text in `language`, from its `[plugin.i18n].locales_dir`; nil when
    /// the plugin has no translations or none for that language.
    ///
    /// - Parameter language: eg `"ja"`, `"ja-JP"` or `"zh_CN"` (see ``localizedText(localesFolder:language:)``).
    /// - Throws: As ``localizedText(localesFolder:language:)``.
    public func localizedText(_ language: String) throws(LoadFailure) -> LocalizedText? {
        guard let directory = localization?.localesDirectory else { return nil }
        return try Self.localizedText(localesFolder: Discovery.join(folder, directory), language: language)
    }

    /// The text in `language` from a folder of `<locale>.json` files; nil when none matches.
    ///
    /// Locales match without regard to case or `_` versus `-`; then by language alone,
    /// so `ja-JP` finds `ja.json` and `zh` finds `zh-CN.json` (the first such file by name).
    ///
    /// - Parameters:
    ///   - localesFolder: eg `"/srv/plugins/weather/i18n"`; a missing folder has no translations.
    ///   - language: eg `"ja"`.
    /// - Throws: A ``LoadFailure`` of phase ``LoadPhase/manifest`` naming the file, for a
    ///   file that cannot be read, is not a JSON object, or holds a non-string `plugin.*` value.
    public static func localizedText(localesFolder: String, language: String) throws(LoadFailure) -> LocalizedText? {
        guard case .names(let names) = Discovery.listFolder(localesFolder) else { return nil }
        func normalized(_ text: some StringProtocol) -> String { text.lowercased().replacing("_", with: "-") }
        func languagePart(_ text: String) -> Substring { text.split(separator: "-").first ?? "" }
        let locales = names.filter { $0.hasSuffix(".json") && $0.count > 5 }.map { String($0.dropLast(5)) }.sorted()
        let wanted = normalized(language)
        guard let locale = locales.first(where: { normalized($0) == wanted })
            ?? locales.first(where: { normalized($0) == languagePart(wanted) })
            ?? locales.first(where: { languagePart(normalized($0)) == languagePart(wanted) }) else { return nil }
        let file = Discovery.join(localesFolder, locale + ".json")
        let bytes = try Discovery.readFile(file)
        let json: JSON
        do { json = try JSON.parse(bytes) } catch { throw LoadFailure(.manifest, "\(file): not valid JSON: \(error)") }
        guard json.objectValue != nil else {
            throw LoadFailure(.manifest, "\(file): expected a JSON object of \"key\": \"text\", found \(json.description.prefix(40))")
        }
        func text(_ key: String) throws(LoadFailure) -> String? {
            guard let value = json[key] else { return nil }
            guard let text = value.stringValue else {
                throw LoadFailure(.manifest, "\(file): \"\(key)\" = \(value.description.prefix(40)): expected a string")
            }
            return text
        }
        return LocalizedText(
            locale: locale, file: file, name: try text("plugin.name"),
            description: try text("plugin.description"), shortDescription: try text("plugin.short_description"))
    }
}
