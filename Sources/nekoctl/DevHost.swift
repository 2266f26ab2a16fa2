@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// The host `nekoctl dev` puts the plugin in: a running `nekoctl serve`
/// (through its control socket), or a host of its own in this process,
/// served at the control socket so that `nekoctl call` reaches it.
enum DevHost: Sendable {
    /// A running `nekoctl serve`, at its socket's path (a connection per request).
    case server(String)
    case local(PluginHost, ControlServer)

    /// What bringing the new build up did.
    enum Outcome {
        /// The plugin was not running: it loaded, as this generation.
        case loaded(generation: Int, duration: Duration)
        /// The plugin ran: a new generation serves.
        case reloaded(generation: Int, duration: Duration)
        /// It did not come up (a load), or the running generation serves on (a reload).
        case failed(String)
    }

    /// Where it is, for people.
    var description: String {
        switch self {
        case .server(let path): "the nekoctl serve at \(path)"
        case .local(_, let control): "a host in this process, served at \(control.path)"
        }
    }

    /// Brings plugin `id`'s new build in `folder` up: a reload when it runs
    /// from that folder, else a load of the folder.
    func bringUp(_ id: String, from folder: String) -> Outcome {
        switch self {
        case .local(let host, _): Self.bringUp(id, from: folder, in: host)
        case .server(let path): Self.bringUp(id, from: folder, at: path)
        }
    }

    private static func bringUp(_ id: String, from folder: String, in host: PluginHost) -> Outcome {
        if let status = host.plugin(id), status.state.isRunning, Discovery.absolutePath(status.folder) == folder {
            switch host.reload(id) {
            case .success(let report): return .reloaded(generation: report.generation, duration: report.duration)
            case .failure(let failure): return .failed("\(failure.phase) failed: \(failure.message)")
            }
        }
        let start = ContinuousClock.now
        switch host.load(folder: folder) {
        case .success: return .loaded(generation: host.plugin(id)?.generation ?? 1, duration: ContinuousClock.now - start)
        case .failure(let failure): return .failed("\(failure.phase) failed: \(failure.message)")
        }
    }

    private static func bringUp(_ id: String, from folder: String, at path: String) -> Outcome {
        func ask(_ op: String, _ fields: JSONObject) -> Result<JSON, DevFailure> {
            do {
                switch try ControlClient(path: path).request(op, fields, timeout: .seconds(120)) {
                case .success(let result): return .success(result)
                case .failure(let error): return .failure(DevFailure(error.description))
                }
            } catch {
                return .failure(DevFailure("the nekoctl serve at \(path) did not answer '\(op)': \(error.message)"))
            }
        }
        let plugins = (try? ask("list", [:]).get())?.arrayValue ?? []
        let known = plugins.first { $0["id"]?.stringValue == id }
        let running = known.map { ["loaded", "reloading"].contains($0["state"]?.stringValue ?? "") } ?? false
        if running, let other = known?["folder"]?.stringValue, Discovery.absolutePath(other) == folder {
            switch ask("reload", ["plugin": .string(id)]) {
            case .success(let result):
                return .reloaded(generation: result["generation"]?.intValue ?? 0,
                                 duration: .microseconds(Int64((result["duration_ms"]?.doubleValue ?? 0) * 1000)))
            case .failure(let failure): return .failed(failure.message)
            }
        }
        let start = ContinuousClock.now
        switch ask("load", ["path": .string(folder)]) {
        case .success(let result):
            return .loaded(generation: result["generation"]?.intValue ?? 1, duration: ContinuousClock.now - start)
        case .failure(let failure): return .failed(failure.message)
        }
    }
}
