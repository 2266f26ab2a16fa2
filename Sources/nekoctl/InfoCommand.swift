import ArgumentParser
import NekoCore
import NekoLoader

/// `nekoctl info ID`: a plugin's manifest and entries.
struct Info: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a plugin's manifest and its entries, with the JSON Schema of each entry's arguments.")

    @OptionGroup var host: HostOptionsGroup

    @Argument(help: "The plugin id, eg hello.")
    var id: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    func run() async throws {
        let plugins = host.makeHost()
        defer { plugins.shutdown() }
        plugins.discover()
        plugins.load(id)
        guard let status = plugins.plugin(id) else {
            Terminal.error("error: not_found: no plugin '\(id)' under \(host.resolvedRoots.joined(separator: ":"))")
            throw ExitCode(1)
        }
        if json {
            Terminal.out(status.infoJSON.prettyPrinted())
        } else {
            printText(status)
        }
        if case .failed = status.state { throw ExitCode(1) }
    }

    private func printText(_ status: PluginStatus) {
        guard let manifest = status.manifest else {
            Terminal.out("\(status.id): \(status.state)")
            return
        }
        Terminal.out("\(manifest.id) \(manifest.version): \(manifest.name)")
        if !manifest.description.isEmpty { Terminal.out("  \(manifest.description)") }
        var facts: [(String, String)] = [
            ("state", status.state.description + (status.loadDuration.map { " (loaded in \(Milliseconds.text($0)))" } ?? "")),
            ("folder", manifest.folder),
            ("library", manifest.library + (status.sdk.map { " (\($0)\(status.swiftVersion.map { ", Swift \($0)" } ?? ""))" } ?? "")),
            ("abi", manifest.abi.description),
        ]
        if !manifest.dependencies.isEmpty { facts.append(("depends on", manifest.dependencies.joined(separator: ", "))) }
        if let author = manifest.author.name { facts.append(("author", author)) }
        if case .object(let tables) = manifest.config, !tables.isEmpty { facts.append(("config", manifest.config.description)) }
        for (key, value) in facts { Terminal.out("  \((key + ":").padding(to: 12)) \(value)") }
        guard let entries = status.entries else { return }
        Terminal.out("")
        Terminal.out("entries:")
        for entry in entries {
            let flags = [entry.isAsync ? "async" : "sync", entry.timeout.map { "timeout \(Milliseconds.text($0))" }].compactMap { $0 }
            Terminal.out("  \(entry.id) (\(flags.joined(separator: ", ")))\(entry.name == entry.id ? "" : ": \(entry.name)")")
            if !entry.description.isEmpty { Terminal.out("    \(entry.description)") }
            Terminal.out("    arguments: \(entry.schema.description)")
        }
        guard let timers = status.timers, !timers.isEmpty else { return }
        Terminal.out("")
        Terminal.out("timers:")
        for timer in timers {
            Terminal.out("  \(timer.id) (every \(Milliseconds.text(timer.interval))\(timer.autoStart ? ", starts with the plugin" : ", started on request"))")
        }
    }
}

extension PluginStatus {
    /// Everything `info --json` prints.
    var infoJSON: JSON {
        guard case .object(var object) = json else { return json }
        if let manifest {
            object["name"] = .string(manifest.name)
            object["description"] = .string(manifest.description)
            object["abi"] = .string(manifest.abi.description)
            object["library"] = .string(manifest.library)
            object["dependencies"] = .array(manifest.dependencies.map { .string($0) })
            object["config"] = manifest.config
        }
        object["entries"] = entries.map { list in
            JSON.array(list.map { entry in
                JSON.object([
                    "id": .string(entry.id), "name": .string(entry.name), "description": .string(entry.description),
                    "async": .bool(entry.isAsync), "schema": entry.schema,
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

/// Durations for people: "6.1 ms", "1500 ms".
enum Milliseconds {
    static func text(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        let tenths = (seconds * 10_000 + attoseconds / 100_000_000_000_000)
        return "\(tenths / 10).\(tenths % 10) ms"
    }
}
