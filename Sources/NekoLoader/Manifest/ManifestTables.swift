import TOMLKit

/// The N.E.K.O tables of `plugin.toml` that describe the plugin to its host and
/// its store (never passed to the plugin as configuration): `[plugin.store]`,
/// `[plugin.database]`, `[plugin_state]`, `[plugin.i18n]`, `[plugin.ui]`, `[plugin.safety]`.
extension PluginManifest {
    /// `[plugin].type` (default `.plugin`): what kind of package N.E.K.O's store sees.
    public enum PackageType: String, Sendable, CaseIterable {
        /// A plugin with entries (the default).
        case plugin
        /// An extension of another plugin (`[plugin.host]` names it).
        case `extension`
        /// A script.
        case script
        /// An adapter to another protocol, eg MCP.
        case adapter
    }

    /// Where a store or the plugin's state is kept: `file`, `sqlite` or `memory`.
    public enum StorageBackend: String, Sendable, CaseIterable {
        /// Files in the plugin's data folder.
        case file
        /// A SQLite database in the plugin's data folder.
        case sqlite
        /// Memory only: lost when the plugin stops.
        case memory
    }

    /// `[plugin.store]`: the plugin's key-value store.
    public struct Store: Sendable, Equatable {
        /// `enabled` (default `false`), eg `true`.
        public var enabled = false
        /// `backend`, eg `.sqlite`; nil: the SDK's choice.
        public var backend: StorageBackend?
    }

    /// `[plugin.database]`: a SQLite database of the plugin's own.
    public struct Database: Sendable, Equatable {
        /// `enabled` (default `false`), eg `true`.
        public var enabled = false
    }

    /// `[plugin_state]`: how the plugin's saved state is kept across restarts.
    public struct StatePersistence: Sendable, Equatable {
        /// `persist_mode`: when state is saved.
        public enum Mode: String, Sendable, CaseIterable {
            /// When the SDK decides (on stop and reload).
            case auto
            /// After every change.
            case always
            /// Only when the plugin asks.
            case manual
            /// Never.
            case disabled
        }
        /// `backend`, eg `.file`; nil: the SDK's choice.
        public var backend: StorageBackend?
        /// `persist_mode`, eg `.auto`; nil: the SDK's choice.
        public var mode: Mode?
    }

    /// `[plugin.i18n]`: where the plugin's translations are (N.E.K.O's `<locales_dir>/<locale>.json`
    /// files, whose `plugin.name`, `plugin.description` and `plugin.short_description` keys
    /// `nekoctl info --lang` shows).
    public struct Localization: Sendable, Equatable {
        /// `default_locale`, eg `"zh-CN"`: the language of `[plugin].name` and `description`.
        public var defaultLocale: String?
        /// `locales_dir`, eg `"i18n"`: a folder inside the plugin's folder.
        public var localesDirectory: String?
    }

    /// `[plugin.ui]`: the plugin's pages in N.E.K.O's web UI.
    public struct UI: Sendable, Equatable {
        /// `enabled` (default `true` when the table is present).
        public var enabled = true
        /// `[[plugin.ui.panel]]`, `[[plugin.ui.guide]]` and `[[plugin.ui.docs]]`, in that order.
        public var surfaces: [Surface] = []

        /// One page of the plugin's UI, eg `{ kind: "panel", id: "study-panel", entry: "surfaces/study_panel.tsx" }`.
        public struct Surface: Sendable, Equatable {
            /// `panel`, `guide` or `docs`: the table it came from.
            public var kind: String
            /// `id`, eg `"study-panel"`.
            public var id: String?
            /// `title`, eg `"Study Panel"`.
            public var title: String?
            /// `entry`: a file in the plugin's folder, eg `"surfaces/study_panel.tsx"`.
            public var entry: String?
            /// `url`: a page elsewhere (never with `entry`), eg `"http://127.0.0.1:8080"`.
            public var url: String?
            /// `mode`: `static`, `hosted-tsx`, `markdown` or `auto`.
            public var mode: String?
            /// `context`: where it shows, eg `"dashboard"`.
            public var context: String?
            /// `open_in`: `iframe`, `new_tab` or `same_tab`.
            public var openIn: String?
            /// `permissions`, eg `["state:read", "action:call"]`.
            public var permissions: [String] = []
        }
    }

    /// `[plugin.safety]`: what the SDK does when a handler makes a blocking call.
    public struct Safety: Sendable, Equatable {
        /// `sync_call_in_handler`: `"warn"` (log it) or `"reject"` (fail the call); nil: the SDK's default.
        public var syncCallInHandler: String?
    }

    // MARK: - Reading

    static let storeKeys = ["enabled", "backend"]
    static let databaseKeys = ["enabled"]
    static let stateKeys = ["backend", "persist_mode"]
    static let i18nKeys = ["default_locale", "locales_dir"]
    static let uiKeys = ["enabled", "panel", "guide", "docs", "warnings"]
    static let surfaceKeys = ["id", "title", "entry", "mode", "url", "ui_path", "open_in", "context", "permissions", "available"]
    static let safetyKeys = ["sync_call_in_handler"]

    static func readStore(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Store? {
        guard let table = try plugin.subtable("store") else { return nil }
        try table.checkKeys(known: storeKeys, strict: strict, warnings: &warnings)
        return Store(
            enabled: try table.bool("enabled") ?? false,
            backend: try table.choice("backend", StorageBackend.allCases.map(\.rawValue)).flatMap { StorageBackend(rawValue: $0) })
    }

    static func readDatabase(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Database? {
        guard let table = try plugin.subtable("database") else { return nil }
        try table.checkKeys(known: databaseKeys, strict: strict, warnings: &warnings)
        return Database(enabled: try table.bool("enabled") ?? false)
    }

    static func readState(_ document: TOMLDocument, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> StatePersistence? {
        guard let table = try document.optionalTable("plugin_state") else { return nil }
        try table.checkKeys(known: stateKeys, strict: strict, warnings: &warnings)
        return StatePersistence(
            backend: try table.choice("backend", StorageBackend.allCases.map(\.rawValue)).flatMap { StorageBackend(rawValue: $0) },
            mode: try table.choice("persist_mode", StatePersistence.Mode.allCases.map(\.rawValue)).flatMap { StatePersistence.Mode(rawValue: $0) })
    }

    static func readLocalization(_ plugin: TOMLDocument.Table, folder: String, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Localization? {
        guard let table = try plugin.subtable("i18n") else { return nil }
        try table.checkKeys(known: i18nKeys, strict: strict, warnings: &warnings)
        let directory = try table.optional("locales_dir", "a folder name, eg \"i18n\"") { $0.string }
        if let directory {
            let parts = directory.split(separator: "/", omittingEmptySubsequences: false)
            guard !directory.isEmpty, !directory.hasPrefix("/"), !parts.contains(".."), !directory.contains("\0") else {
                throw table.invalid("locales_dir", "expected a folder inside the plugin folder, eg \"i18n\" (no leading '/' or '..')")
            }
            if case .directory = Discovery.FileStatus.of(Discovery.join(folder, directory)) {} else {
                warnings.append("\(table.file): \(table.field("locales_dir")) = \(TOMLDocument.quoted(directory)): no such folder in \(folder); `nekoctl info --lang` shows the manifest's own text")
            }
        }
        return Localization(defaultLocale: try table.optional("default_locale", "a locale, eg \"zh-CN\"") { $0.string }, localesDirectory: directory)
    }

    static func readUI(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> UI? {
        guard let table = try plugin.subtable("ui") else { return nil }
        try table.checkKeys(known: uiKeys, strict: strict, warnings: &warnings)
        var ui = UI(enabled: try table.bool("enabled") ?? true)
        for kind in ["panel", "guide", "docs"] {
            for surface in try table.tables(kind) ?? [] {
                try surface.checkKeys(known: surfaceKeys, strict: strict, warnings: &warnings)
                func text(_ key: String) throws(LoadFailure) -> String? { try surface.optional(key, "a string") { $0.string } }
                let read = UI.Surface(
                    kind: kind, id: try text("id"), title: try text("title"), entry: try text("entry"), url: try text("url"),
                    mode: try surface.choice("mode", ["static", "hosted-tsx", "markdown", "auto"]),
                    context: try text("context"),
                    openIn: try surface.choice("open_in", ["iframe", "new_tab", "same_tab"]),
                    permissions: try surface.strings("permissions", "an array of permissions like [\"state:read\"]") ?? [])
                _ = try text("ui_path")
                _ = try surface.bool("available")
                if read.entry != nil && read.url != nil {
                    throw surface.failure("\(surface.name) has both entry and url: expected one of them")
                }
                ui.surfaces.append(read)
            }
        }
        return ui
    }

    static func readSafety(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Safety? {
        guard let table = try plugin.subtable("safety") else { return nil }
        try table.checkKeys(known: safetyKeys, strict: strict, warnings: &warnings)
        return Safety(syncCallInHandler: try table.choice("sync_call_in_handler", ["warn", "reject"]))
    }
}
