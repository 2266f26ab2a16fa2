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

    /// The widest a table line gets: a terminal of 100 columns shows it whole.
    static let width = 100

    func run() async throws {
        let running = try server.requireServer(for: "status", json: json)
        let plugins = try running.request("status").arrayValue ?? []
        if json {
            Terminal.out(JSON.array(plugins).prettyPrinted())
            return
        }
        guard !plugins.isEmpty else {
            Terminal.out("no plugins under \(running.roots.joined(separator: ":")) (served at \(running.path))")
            return
        }
        var rows = [["ID", "STATE", "RUNS IN", "GEN", "SERVED", "FAILED", "RESTARTS", "VIOL", "LAST ERROR", "LAST RELOAD"]]
        for plugin in plugins {
            var error = "-"
            if let last = plugin["last_error"], !last.isNull {
                error = "\(last["code"]?.stringValue ?? "-"): \(last["message"]?.stringValue ?? "")"
            }
            rows.append([
                Self.clipped(plugin["id"]?.stringValue ?? "-", to: 24), Self.stateText(plugin), Self.runsIn(plugin),
                plugin["generation"]?.description ?? "-",
                plugin["calls_served"]?.description ?? "0", plugin["calls_failed"]?.description ?? "0",
                plugin["restarts"]?.description ?? "0", plugin["contract_violations"]?.description ?? "0",
                error, Self.reloadText(plugin["last_reload"] ?? .null),
            ])
        }
        Table.print(Self.fitted(rows, width: Self.width))
    }

    /// The rows with their last two columns (the free texts) clipped so that
    /// no line is wider than `width`; `nekoctl status --json` has them whole.
    static func fitted(_ rows: [[String]], width: Int) -> [[String]] {
        guard let count = rows.first?.count, count >= 2 else { return rows }
        let fixed = (0..<(count - 2)).map { column in rows.map { $0[column].count }.max() ?? 0 }.reduce(0, +) + 2 * (count - 1)
        let room = max(2 * 12, width - fixed)
        let errorWidth = min(rows.map { $0[count - 2].count }.max() ?? 0, max(12, room - min(room / 2, rows.map { $0[count - 1].count }.max() ?? 0)))
        let reloadWidth = max(12, room - errorWidth)
        return rows.map { row in
            var row = row
            row[count - 2] = clipped(row[count - 2], to: errorWidth)
            row[count - 1] = clipped(row[count - 1], to: reloadWidth)
            return row
        }
    }

    /// `text`, cut to `width` characters with "…" as the last when longer.
    static func clipped(_ text: String, to width: Int) -> String {
        text.count <= width ? text : String(text.prefix(max(0, width - 1))) + "…"
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
