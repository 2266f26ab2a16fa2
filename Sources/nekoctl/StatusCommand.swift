import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl status`: what a running `nekoctl serve` is doing, per plugin.
struct Status: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show a running 'nekoctl serve': per plugin its state and for how long, generation, calls served and failed, contract violations, last error, last reload.")

    @OptionGroup var server: ServerOptionsGroup

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let running = try server.requireServer(for: "status")
        let plugins = try running.request("status").arrayValue ?? []
        if json {
            Terminal.out(JSON.array(plugins).prettyPrinted())
            return
        }
        guard !plugins.isEmpty else {
            Terminal.out("no plugins under \(running.roots.joined(separator: ":")) (served at \(running.path))")
            return
        }
        var rows = [["ID", "STATE", "RUNS IN", "GEN", "SERVED", "FAILED", "RESTARTS", "VIOLATIONS", "LAST ERROR", "LAST RELOAD"]]
        for plugin in plugins {
            var error = "-"
            if let last = plugin["last_error"], !last.isNull {
                error = "\(last["code"]?.stringValue ?? "-"): \(last["message"]?.stringValue ?? "")"
            }
            rows.append([
                plugin["id"]?.stringValue ?? "-", Self.stateText(plugin), Self.runsIn(plugin),
                plugin["generation"]?.description ?? "-",
                plugin["calls_served"]?.description ?? "0", plugin["calls_failed"]?.description ?? "0",
                plugin["restarts"]?.description ?? "0", plugin["contract_violations"]?.description ?? "0",
                error, Self.reloadText(plugin["last_reload"] ?? .null),
            ])
        }
        Table.print(rows)
    }

    /// The state and how long the plugin has been in it, eg "loaded 2m13s".
    private static func stateText(_ plugin: JSON) -> String {
        let state = plugin["state"]?.stringValue ?? "-"
        guard let since = plugin["since"]?.doubleValue else { return state }
        return "\(state) \(Age.text(seconds: WallClock.now() - since))"
    }

    /// "host", "pid 1234" or "worker".
    private static func runsIn(_ plugin: JSON) -> String {
        guard plugin["isolation"]?.stringValue == "process" else { return "host" }
        return plugin["pid"]?.intValue.map { "pid \($0)" } ?? "worker"
    }

    /// "gen 2 in 3.1 ms", "failed: startup: ...", or "-".
    private static func reloadText(_ reload: JSON) -> String {
        guard !reload.isNull else { return "-" }
        if let failure = reload["failure"], !failure.isNull {
            return "failed: \(failure["phase"]?.stringValue ?? "-"): \(failure["message"]?.stringValue ?? "")"
        }
        return "gen \(reload["generation"]?.description ?? "-") in \(Milliseconds.text(reload["duration_ms"]?.doubleValue ?? 0))"
    }
}
