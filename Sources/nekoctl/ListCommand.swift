import ArgumentParser
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// `nekoctl list`: every plugin under the roots, with its state.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every plugin under the plugin roots: id, version, state, entries.",
        discussion: "Loads each enabled plugin to report its real state; a failed plugin is shown with the phase that failed and why.")

    @OptionGroup var host: HostOptionsGroup

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    @OptionGroup var server: ServerOptionsGroup

    func run() async throws {
        if let running = server.runningServer(for: host) {
            let statuses = try running.request("list").arrayValue ?? []
            show(statuses, roots: running.roots)
            if !json { showWarnings(statuses) }
            return
        }
        let plugins = host.makeHost()
        defer { plugins.shutdown() }
        plugins.loadAll()
        if !json {
            for problem in plugins.rootProblems { Terminal.error("warning: \(problem)") }
        }
        let statuses = plugins.plugins.map(\.json)
        show(statuses, roots: host.resolvedRoots)
        if !json { showWarnings(statuses) }
    }

    /// Prints each plugin's warnings on standard error, after the table.
    private func showWarnings(_ statuses: [JSON]) {
        for status in statuses {
            for warning in status["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
                Terminal.error("warning: \(warning)")
            }
        }
    }

    /// Prints `PluginStatus.json` objects as JSON or as a table.
    private func show(_ statuses: [JSON], roots: [String]) {
        if json {
            Terminal.out(JSON.array(statuses).prettyPrinted())
            return
        }
        guard !statuses.isEmpty else {
            Terminal.out("no plugins under \(roots.joined(separator: ":"))")
            return
        }
        var rows = [["ID", "VERSION", "STATE", "ENTRIES", "RUNS IN", "DETAIL"]]
        for status in statuses {
            rows.append([
                status["id"]?.stringValue ?? "-", status["version"]?.stringValue ?? "-", status["state"]?.stringValue ?? "-",
                status["entries"]?.intValue.map { String($0) } ?? "-", status["runs_in"]?.stringValue ?? "-",
                status["detail"]?.stringValue ?? "",
            ])
        }
        Table.print(rows)
    }
}

/// Prints rows as aligned columns; the last column is not padded.
enum Table {
    static func print(_ rows: [[String]]) {
        guard let width = rows.first?.count else { return }
        let widths = (0..<width).map { column in rows.map { $0[column].count }.max() ?? 0 }
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                column == width - 1 ? cell : cell.padding(to: widths[column])
            }
            Terminal.out(cells.joined(separator: "  ").trimmingTrailingSpaces())
        }
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }

    func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
