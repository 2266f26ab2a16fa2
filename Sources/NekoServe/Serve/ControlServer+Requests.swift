#if canImport(Glibc)
import Glibc
#endif
import Logging
@_spi(Neko) import NekoCore
import NekoLoader

extension ControlServer {
    /// The ops a request may name, in the order docs/SERVE.md lists them.
    public static let operations = ["ping", "list", "info", "call", "status", "load", "unload", "reload", "settings", "watch", "cancel"]

    /// Answers one request line; never throws, never closes anything.
    /// - Returns: the response line, with its newline.
    func handle(_ line: [UInt8], events: ConnectionLines? = nil) -> [UInt8] {
        let value: JSON
        do { value = try JSON.parse(line) } catch {
            return Self.response(id: .null, .failure(.badRequest("the request is not JSON: \(error)")))
        }
        guard case .object(let fields) = value else {
            return Self.response(id: .null, .failure(.badRequest("the request must be a JSON object {\"id\":..,\"op\":..}, got \(value.typeName)")))
        }
        let id = fields["id"] ?? .null
        var send: (@Sendable (JSONObject) -> Void)?
        if let events { send = { event in events.send(event, id: id) } }
        let eventSender = send
        return Self.response(id: id, Result { () throws(ControlError) -> JSON in
            try perform(ControlRequest(fields: fields), events: eventSender, lines: events.map { ($0, id) })
        })
    }

    private func perform(
        _ request: ControlRequest, events: (@Sendable (JSONObject) -> Void)?, lines: (ConnectionLines, JSON)?
    ) throws(ControlError) -> JSON {
        guard let opValue = request.fields["op"] else {
            throw .badRequest("the request has no 'op' (one of: \(Self.operations.joined(separator: ", ")))", field: "op")
        }
        guard case .string(let op) = opValue else {
            throw .badRequest("'op' must be a string, got \(opValue.typeName)", field: "op")
        }
        switch op {
        case "ping":
            return ["pid": .int(Int64(getpid())), "version": .string(BuildStamp.nekoVersion),
                    "roots": .array(host.options.roots.map { .string(Discovery.absolutePath($0)) }), "socket": .string(path)]
        case "list":
            return .array(host.plugins.map(\.json))
        case "info":
            return try info(request.string("plugin", op: op))
        case "call":
            return try call(request, events: events)
        case "status":
            return status()
        case "load":
            return try load(request.string("path", op: op))
        case "unload":
            let plugin = try request.string("plugin", op: op)
            do { try host.unload(plugin) } catch { throw ControlError(error) }
            return ["plugin": .string(plugin), "state": .string(host.plugin(plugin)?.state.name ?? "stopped")]
        case "reload":
            return try reload(request.string("plugin", op: op))
        case "watch":
            return try watch(lines, logs: request.logLevel(op: op))
        case "cancel":
            let key = try request.string("key", op: op)
            let cancel = cancelable.withLock { $0.removeValue(forKey: key) }
            cancel?()
            return ["canceled": .bool(cancel != nil)]
        case "settings", "config":  // "config": its name before 1.1, still answered
            let plugin = try request.string("plugin", op: op)
            let changes = try request.object("changes", op: op) ?? [:]
            do {
                return changes.isEmpty ? try host.settings(of: plugin) : try host.changeSettings(of: plugin, with: .object(changes))
            } catch {
                throw ControlError(error)
            }
        default:
            throw .badRequest("unknown op '\(op)' (expected one of: \(Self.operations.joined(separator: ", ")))", field: "op")
        }
    }

    private func info(_ plugin: String) throws(ControlError) -> JSON {
        if case .unloaded = host.plugin(plugin)?.state { host.load(plugin) }
        guard let status = host.plugin(plugin) else {
            throw ControlError("not_found", "no plugin '\(plugin)' under \(host.options.roots.joined(separator: ":"))", field: "plugin")
        }
        return status.infoJSON
    }

    private func call(_ request: ControlRequest, events: (@Sendable (JSONObject) -> Void)?) throws(ControlError) -> JSON {
        let plugin = try request.string("plugin", op: "call")
        let entry = try request.string("entry", op: "call")
        let arguments = try request.object("args", op: "call") ?? [:]
        var timeout: Duration?
        if let value = request.fields["timeout_ms"], !value.isNull {
            guard let milliseconds = value.int64Value, milliseconds > 0 else {
                throw .badRequest("'timeout_ms' of op 'call' must be a positive integer (milliseconds), got \(value)", field: "timeout_ms")
            }
            timeout = .milliseconds(milliseconds)
        }
        var progress: (@Sendable (CallProgress) -> Void)?
        if let value = request.fields["progress"], !value.isNull {
            guard case .bool(let wanted) = value else {
                throw .badRequest("'progress' of op 'call' must be true or false, got \(value)", field: "progress")
            }
            if wanted, let events {
                progress = { report in
                    events([
                        "event": "progress", "done": .double(report.done), "total": report.total.map { .double($0) } ?? .null,
                        "message": .string(report.message),
                    ])
                }
            }
        }
        var cancelKey: String?
        if let value = request.fields["cancel_key"], !value.isNull {
            guard case .string(let key) = value, !key.isEmpty else {
                throw .badRequest("'cancel_key' of op 'call' must be a non-empty string, got \(value)", field: "cancel_key")
            }
            cancelKey = key
        }
        let outcome = Result { () throws(CallError) -> [UInt8] in
            let handle = try host.entry(plugin, entry)
            // Counted from here, so that `calls_in_flight` means "admitted by the plugin, or about to be".
            counters.withLock { $0[plugin, default: PluginCounters()].inFlight += 1 }
            defer { counters.withLock { $0[plugin, default: PluginCounters()].inFlight -= 1 } }
            let bytes = JSON.object(arguments).serialized()
            guard let cancelKey else { return try handle.callBlocking(bytes, timeout: timeout, progress: progress) }
            return try callCancelable(handle, bytes, timeout: timeout, progress: progress, key: cancelKey)
        }
        counters.withLock { counters in
            switch outcome {
            case .success: counters[plugin, default: PluginCounters()].served += 1
            case .failure(let error):
                counters[plugin, default: PluginCounters()].failed += 1
                counters[plugin, default: PluginCounters()].lastError = ControlError(error)
            }
        }
        switch outcome {
        case .success(let bytes):
            if bytes.isEmpty { return .null }
            // A result that is not JSON (a raw entry may answer anything) travels as a string.
            return (try? JSON.parse(bytes)) ?? .string(String(decoding: bytes, as: UTF8.self))
        case .failure(let error):
            throw ControlError(error)
        }
    }

    private func status() -> JSON {
        let counted = counters.withLock { $0 }
        return .array(host.plugins.map { status in
            let counts = counted[status.id] ?? PluginCounters()
            return [
                "id": .string(status.id), "state": .string(status.state.name), "since": .double(status.stateSince),
                "generation": .int(Int64(status.generation)),
                "calls_served": .int(Int64(counts.served)), "calls_failed": .int(Int64(counts.failed)),
                "calls_in_flight": .int(Int64(counts.inFlight)),
                "isolation": .string(status.isolation.rawValue), "pid": status.workerPID.map { .int(Int64($0)) } ?? .null,
                "restarts": .int(Int64(status.restarts)), "last_crash": status.lastCrash.map { .string($0) } ?? .null,
                "contract_violations": .int(Int64(status.contractViolations)),
                "last_error": counts.lastError.map { ["code": .string($0.code), "message": .string($0.message)] } ?? .null,
                "last_reload": status.lastReload.map { reload in
                    [
                        "generation": .int(Int64(reload.generation)), "duration_ms": .double(reload.duration.fractionalMilliseconds),
                        "failure": reload.failure.map { ["phase": .string($0.phase.rawValue), "message": .string($0.message)] } ?? .null,
                    ]
                } ?? .null,
            ]
        })
    }

    private func load(_ path: String) throws(ControlError) -> JSON {
        switch host.load(folder: Discovery.absolutePath(path)) {
        case .success(let id):
            let status = host.plugin(id)
            return ["plugin": .string(id), "state": .string(status?.state.name ?? "loaded"), "generation": .int(Int64(status?.generation ?? 1))]
        case .failure(let failure):
            let code = failure.phase == .manifest ? "invalid_argument" : "unavailable"
            throw ControlError(code, "cannot load the plugin folder \(path): \(failure.phase) failed: \(failure.message)", field: failure.phase == .manifest ? "path" : nil)
        }
    }

    private func reload(_ plugin: String) throws(ControlError) -> JSON {
        guard host.plugin(plugin) != nil else {
            throw ControlError("not_found", "no plugin '\(plugin)' to reload (installed: \(host.plugins.map(\.id).joined(separator: ", ")))", field: "plugin")
        }
        switch host.reload(plugin) {
        case .success(let report):
            return ["generation": .int(Int64(report.generation)), "duration_ms": .double(report.duration.fractionalMilliseconds)]
        case .failure(let failure):
            throw ControlError("unavailable", "plugin '\(plugin)' did not reload (\(failure.phase) failed: \(failure.message)); the running generation goes on")
        }
    }
}

/// A request's fields, with accessors that name what is missing.
struct ControlRequest {
    let fields: JSONObject

    /// The string field `key`, which op `op` needs.
    func string(_ key: String, op: String) throws(ControlError) -> String {
        guard let value = fields[key] else { throw .badRequest("op '\(op)' needs '\(key)' (a string)", field: key) }
        guard case .string(let text) = value, !text.isEmpty else {
            throw .badRequest("'\(key)' of op '\(op)' must be a non-empty string, got \(value)", field: key)
        }
        return text
    }

    /// The level of `watch`'s log stream: nil without `"logs": true`;
    /// `level` (a swift-log level name, trace ... critical) defaults to info.
    func logLevel(op: String) throws(ControlError) -> Logger.Level? {
        let logs = fields["logs"] ?? .null
        guard logs.isNull || logs == .bool(false) || logs == .bool(true) else {
            throw .badRequest("'logs' of op '\(op)' must be true or false, got \(logs.typeName)", field: "logs")
        }
        let levels = Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")
        guard let value = fields["level"], !value.isNull else { return logs == .bool(true) ? .info : nil }
        guard case .string(let name) = value, let level = Logger.Level(rawValue: name) else {
            throw .badRequest("'level' of op '\(op)' must be one of: \(levels); got \(value)", field: "level")
        }
        guard logs == .bool(true) else { throw .badRequest("'level' of op '\(op)' goes with \"logs\": true", field: "level") }
        return level
    }

    /// The optional object field `key` (nil when absent or null).
    func object(_ key: String, op: String) throws(ControlError) -> JSONObject? {
        guard let value = fields[key], !value.isNull else { return nil }
        guard case .object(let members) = value else {
            throw .badRequest("'\(key)' of op '\(op)' must be a JSON object, got \(value.typeName)", field: key)
        }
        return members
    }
}

extension Duration {
    /// The duration in milliseconds, to the microsecond, eg 6.125.
    var fractionalMilliseconds: Double {
        let (seconds, attoseconds) = components
        return Double(seconds * 1_000_000 + attoseconds / 1_000_000_000_000) / 1000
    }
}
