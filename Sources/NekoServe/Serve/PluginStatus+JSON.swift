@_spi(Neko) import NekoCore
import NekoLoader

extension PluginStatus {
    /// One line on why a plugin is where it is, eg "auto_start = false: loads on first call".
    public var detail: String {
        switch state {
        case .failed(let failure): "\(failure.phase): \(failure.message)"
        case .disabled: "enabled = false in plugin.toml"
        case .unloaded: "auto_start = false: loads on first call"
        case .stopped: "unloaded on request"
        case .crashed(let how): "crashed: \(how); restarting"
        case .loading: "loading"
        case .reloading: "a new generation is loading; this one serves on"
        case .stopping: "draining its calls before it stops"
        case .restarting: "restarting after a crash"
        case .loaded: [swiftVersion.map { "Swift \($0)" } ?? "C", manifest?.name ?? ""].filter { !$0.isEmpty }.joined(separator: ", ")
        }
    }

    /// Where it runs, for a table: "host" (in-process), "pid 1234" (its
    /// worker), or "worker" (isolated, no worker running).
    public var runsIn: String {
        guard isolation.usesWorker else { return "host" }
        return workerPID.map { "pid \($0)" } ?? "worker"
    }

    /// The status as `nekoctl list --json` and the `list` op show it: id,
    /// folder, state, since (when it entered that state, in seconds since
    /// 1970), version, entries (a count), swift, sdk, detail,
    /// isolation, pid, restarts, last_crash, contract_violations, warnings, and for a failed plugin the
    /// phase and reason.
    public var json: JSON {
        var object: JSONObject = [
            "id": .string(id), "folder": .string(folder), "state": .string(state.name), "since": .double(stateSince),
            "version": manifest.map { .string($0.version) } ?? .null,
            "entries": entries.map { .int(Int64($0.count)) } ?? .null,
            "swift": swiftVersion.map { .string($0) } ?? .null,
            "sdk": sdk.map { .string($0) } ?? .null,
            "detail": .string(detail),
            "isolation": .string(isolation.rawValue),
            "pid": workerPID.map { .int(Int64($0)) } ?? .null,
            "restarts": .int(Int64(restarts)),
            "last_crash": lastCrash.map { .string($0) } ?? .null,
            "contract_violations": .int(Int64(contractViolations)),
            "runs_in": .string(runsIn),
            "warnings": .array(warnings.map { .string($0) }),
        ]
        if case .failed(let failure) = state {
            object["phase"] = .string(failure.phase.rawValue)
            object["reason"] = .string(failure.message)
        }
        return .object(object)
    }

    /// Everything `nekoctl info --json` and the `info` op show: `json`, and
    /// the manifest (name, description, abi, library, dependencies, author,
    /// config, short_description, keywords, type, previous_ids, i18n, mcp), the load time, the entries with their schemas (arguments and result), hints and whether the host validates their arguments, the timers.
    public var infoJSON: JSON {
        guard case .object(var object) = json else { return json }
        if let manifest {
            object["name"] = .string(manifest.name)
            object["description"] = .string(manifest.description)
            object["abi"] = .string(manifest.abi.description)
            object["library"] = .string(manifest.library)
            object["dependencies"] = .array(manifest.dependencies.map { .string($0) })
            object["author"] = manifest.author.name.map { .string($0) } ?? .null
            object["config"] = manifest.config
            object["short_description"] = .string(manifest.shortDescription)
            object["keywords"] = .array(manifest.keywords.map { .string($0) })
            object["type"] = .string(manifest.packageType.rawValue)
            object["previous_ids"] = .array(manifest.previousIDs.map { .string($0) })
            object["i18n"] = manifest.localization.map { localization in
                JSON.object([
                    "default_locale": localization.defaultLocale.map { .string($0) } ?? .null,
                    "locales_dir": localization.localesDirectory.map { .string($0) } ?? .null,
                ])
            } ?? .null
            object["mcp"] = ["expose": .bool(manifest.mcp.expose), "hide": .array(manifest.mcp.hidden.map { .string($0) })]
        }
        object["permissions"] = permissionsJSON
        object["sandbox"] = sandboxJSON
        object["load_ms"] = loadDuration.map { .double($0.fractionalMilliseconds) } ?? .null
        object["entries"] = entries.map { list in
            JSON.array(list.map { entry in
                JSON.object([
                    "id": .string(entry.id), "name": .string(entry.name), "description": .string(entry.description),
                    "async": .bool(entry.isAsync), "schema": entry.schema,
                    "result_schema": entry.resultSchema ?? .null,
                    "hints": .array(entry.hints.names.map(JSON.string)),
                    "validates_arguments": .bool(entry.validatesArguments),
                    "timeout_ms": entry.timeout.map { .int($0.wholeMilliseconds) } ?? .null,
                ])
            })
        } ?? .null
        object["timers"] = timers.map { list in
            JSON.array(list.map { timer in
                JSON.object(["id": .string(timer.id), "interval_ms": .int(timer.interval.wholeMilliseconds), "auto_start": .bool(timer.autoStart)])
            })
        } ?? .null
        return .object(object)
    }
}
