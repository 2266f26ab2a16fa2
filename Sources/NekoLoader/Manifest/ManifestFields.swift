import TOMLKit

/// The readers of `plugin.toml`'s own (non-N.E.K.O-only) fields: `[plugin].dependencies`,
/// `assets`, `previous_ids`, `[plugin.author]`, `[plugin_runtime]`.
extension PluginManifest {
    static func readDependencies(_ plugin: TOMLDocument.Table, id: String) throws(LoadFailure) -> [String] {
        guard let array = try plugin.optional("dependencies", "an array of plugin ids like [\"other_plugin\"]", { $0.array }) else {
            return []
        }
        var ids: [String] = []
        for (index, element) in array.enumerated() {
            let field = plugin.field("dependencies") + "[\(index)]"
            guard let dependency = element.string else {
                throw plugin.failure("\(field) = \(TOMLDocument.render(element)): expected a plugin id (a string), found \(TOMLDocument.kind(element))")
            }
            if let problem = idProblem(dependency) {
                throw plugin.failure("\(field) = \(TOMLDocument.quoted(dependency)): \(problem)")
            }
            if dependency == id {
                throw plugin.failure("\(field) = \(TOMLDocument.quoted(dependency)): a plugin cannot depend on itself")
            }
            if ids.contains(dependency) {
                throw plugin.failure("\(field) = \(TOMLDocument.quoted(dependency)): expected each plugin id once, found it twice")
            }
            ids.append(dependency)
        }
        return ids
    }

    /// `[plugin].assets`: paths inside the plugin folder (no leading '/', no
    /// '..'); one that does not exist is a warning.
    static func readAssets(_ plugin: TOMLDocument.Table, folder: String, warnings: inout [String]) throws(LoadFailure) -> [String] {
        let assets = try plugin.strings("assets", "an array of paths inside the plugin folder, eg [\"templates\", \"model.bin\"]") ?? []
        for (index, asset) in assets.enumerated() {
            let field = plugin.field("assets") + "[\(index)] = \(TOMLDocument.quoted(asset))"
            let parts = asset.split(separator: "/", omittingEmptySubsequences: false)
            guard !asset.isEmpty, !asset.hasPrefix("/"), !parts.contains(".."), !asset.contains("\0") else {
                throw plugin.failure("\(field): expected a path inside the plugin folder, eg \"templates\" (no leading '/' or '..')")
            }
            if case .missing = Discovery.FileStatus.of(Discovery.join(folder, asset)) {
                warnings.append("\(plugin.file): \(field): no such file or folder in \(folder)")
            }
        }
        return assets
    }

    static func readPreviousIDs(_ plugin: TOMLDocument.Table, id: String) throws(LoadFailure) -> [String] {
        let ids = try plugin.strings("previous_ids", "an array of plugin ids like [\"old_name\"]") ?? []
        for (index, previous) in ids.enumerated() {
            let field = plugin.field("previous_ids") + "[\(index)] = \(TOMLDocument.quoted(previous))"
            if let problem = idProblem(previous) { throw plugin.failure("\(field): \(problem)") }
            if previous == id { throw plugin.failure("\(field): that is the plugin's id now, not a previous one") }
        }
        return ids
    }

    static func readAuthor(_ plugin: TOMLDocument.Table, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Author {
        guard let author = try plugin.subtable("author") else { return Author(name: nil, email: nil, url: nil) }
        try author.checkKeys(known: ["name", "email", "url"], strict: strict, warnings: &warnings)
        return Author(
            name: try author.optional("name", "a string") { $0.string },
            email: try author.optional("email", "a string") { $0.string },
            url: try author.optional("url", "a string") { $0.string })
    }

    static func readRuntime(_ document: TOMLDocument, strict: Bool, warnings: inout [String]) throws(LoadFailure) -> Runtime {
        guard let runtime = try document.optionalTable("plugin_runtime") else {
            return Runtime(enabled: true, autoStart: true, startupTimeout: .seconds(10), startupFailure: .warn, priority: 0)
        }
        try runtime.checkKeys(known: runtimeKeys, strict: strict, warnings: &warnings)
        let seconds = try runtime.optional("timeout", "a number of seconds, eg 10") { $0.double ?? $0.int.map(Double.init) } ?? 10
        guard seconds > 0, seconds <= 86_400 else {
            throw runtime.invalid("timeout", "expected a number of seconds greater than 0 and at most 86400 (a day), eg 10")
        }
        let policyText = try runtime.optional("startup_failure", "a string") { $0.string } ?? "warn"
        guard let policy = StartupFailurePolicy(rawValue: policyText) else {
            throw runtime.invalid("startup_failure", "expected \"warn\", \"fail\" or \"ignore\"")
        }
        let isolationText = try runtime.optional("isolation", "a string") { $0.string } ?? "none"
        guard let isolation = Isolation(rawValue: isolationText) else {
            throw runtime.invalid("isolation", "expected \"none\" (in the host's process), \"process\" (a worker process of its own) or \"sandbox\" (a worker process the kernel confines to [plugin.permissions])")
        }
        let memoryLimit = try runtime.optional("memory_limit", "an integer number of MiB, eg 512") { $0.int }
        if let memoryLimit, !(64...1 << 30).contains(memoryLimit) {
            throw runtime.invalid("memory_limit", "expected a number of MiB from 64 (a worker needs that much address space) to 1073741824, eg 512")
        }
        let openFiles = try runtime.optional("open_files", "an integer, eg 256") { $0.int }
        if let openFiles, !(16...1 << 20).contains(openFiles) {
            throw runtime.invalid("open_files", "expected a number of files from 16 to 1048576, eg 256")
        }
        return Runtime(
            enabled: try runtime.optional("enabled", "a boolean (true or false)") { $0.bool } ?? true,
            autoStart: try runtime.optional("auto_start", "a boolean (true or false)") { $0.bool } ?? true,
            startupTimeout: .milliseconds(Int64((seconds * 1000).rounded(.up))),
            startupFailure: policy,
            priority: try runtime.optional("priority", "an integer, eg 0") { $0.int } ?? 0,
            isolation: isolation, memoryLimitMiB: memoryLimit, openFiles: openFiles)
    }
}
