import ArgumentParser
import NekoCore
import NekoLoader

/// `nekoctl list`: every plugin under the roots, with its state.
struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List every plugin under the plugin roots: id, version, state, entries.",
        discussion: "Loads each enabled plugin to report its real state; a failed plugin is shown with the phase that failed and why.")

    @OptionGroup var host: HostOptionsGroup

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let plugins = host.makeHost()
        defer { plugins.shutdown() }
        plugins.loadAll()
        let statuses = plugins.plugins
        if json {
            Terminal.out(JSON.array(statuses.map(\.json)).prettyPrinted())
            return
        }
        for problem in plugins.rootProblems { Terminal.error("warning: \(problem)") }
        guard !statuses.isEmpty else {
            Terminal.out("no plugins under \(host.resolvedRoots.joined(separator: ":"))")
            return
        }
        var rows = [["ID", "VERSION", "STATE", "ENTRIES", "DETAIL"]]
        for status in statuses {
            rows.append([
                status.id, status.manifest?.version ?? "-", status.state.name,
                status.entries.map { String($0.count) } ?? "-", status.detail,
            ])
        }
        Table.print(rows)
    }
}

extension PluginStatus {
    /// One line on why a plugin is where it is.
    var detail: String {
        switch state {
        case .failed(let failure): "\(failure.phase): \(failure.message)"
        case .disabled: "enabled = false in plugin.toml"
        case .unloaded: "auto_start = false: loads on first call"
        case .stopped: "unloaded on request"
        case .loaded: [swiftVersion.map { "Swift \($0)" } ?? "C", manifest?.name ?? ""].filter { !$0.isEmpty }.joined(separator: ", ")
        }
    }

    /// The status as JSON, for `--json`.
    var json: JSON {
        var object: JSONObject = [
            "id": .string(id), "folder": .string(folder), "state": .string(state.name),
            "version": manifest.map { .string($0.version) } ?? .null,
            "entries": entries.map { .int(Int64($0.count)) } ?? .null,
            "swift": swiftVersion.map { .string($0) } ?? .null,
            "sdk": sdk.map { .string($0) } ?? .null,
        ]
        if case .failed(let failure) = state {
            object["phase"] = .string(failure.phase.rawValue)
            object["reason"] = .string(failure.message)
        }
        return .object(object)
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
