import ArgumentParser
import FoundationEssentials
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// The `--socket` option of the commands that can talk to a running
/// `nekoctl serve`, and the routing rule they share.
struct ServerOptionsGroup: ParsableArguments {
    @Option(
        name: .customLong("socket"),
        help: ArgumentHelp(
            "The control socket of a running 'nekoctl serve' (default: $NEKO_SOCKET, else $XDG_RUNTIME_DIR/neko/nekoctl.sock, else /tmp/neko-<uid>/nekoctl.sock).",
            valueName: "path"))
    var socket: String?

    /// The socket path: --socket, else the environment's, else the default.
    var path: String {
        ControlSocket.path(explicit: socket, environment: ProcessInfo.processInfo.environment)
    }

    /// The running server, when its socket answers `ping` and (if `--dir`
    /// was given) it serves the same roots; else nil: run in-process.
    func runningServer(for host: HostOptionsGroup) -> RunningServer? {
        let path = self.path
        guard let client = try? ControlClient(path: path), case .success(let pong)? = try? client.request("ping", timeout: .seconds(5)) else {
            return nil
        }
        let roots = pong["roots"]?.arrayValue?.compactMap(\.stringValue) ?? []
        if !host.roots.isEmpty, host.resolvedRoots.map(Discovery.absolutePath) != roots {
            if host.verbose {
                Terminal.error("note: the nekoctl serve at \(path) serves \(roots.joined(separator: ":")), not the --dir roots: running in-process")
            }
            return nil
        }
        return RunningServer(client: client, path: path, roots: roots)
    }

    /// The running server, for commands that need one (status, unload, reload).
    /// - Throws: `ExitCode(1)` after saying that no server answers at the path.
    /// With `json`, the error goes to standard output as
    /// `{"error": {"code": "unavailable", "message": ...}}`, for a program that reads it.
    func requireServer(for command: String, json: Bool = false) throws -> RunningServer {
        let path = self.path
        let client: ControlClient
        do { client = try ControlClient(path: path) } catch {
            let message = "'\(command)' needs a running 'nekoctl serve', and none answers at \(path) (\(error.message))"
            if json {
                Terminal.out(JSON.object(["error": ["code": "unavailable", "message": .string(message)]]).prettyPrinted())
            } else {
                Terminal.error("error: unavailable: \(message)")
            }
            throw ExitCode(1)
        }
        let server = RunningServer(client: client, path: path, roots: [])
        let pong = try server.request("ping")
        return RunningServer(client: client, path: path, roots: pong["roots"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }
}

/// A connection to a running `nekoctl serve`, for one command.
struct RunningServer {
    let client: ControlClient
    /// The socket path.
    let path: String
    /// The server's plugin roots.
    let roots: [String]

    /// Sends op `op` and returns its result.
    /// - Throws: `ExitCode(1)` after printing the server's error (as the
    ///   in-process command would) or the transport's failure.
    func request(_ op: String, _ fields: JSONObject = [:], timeout: Duration = .seconds(60), event: ((JSON) -> Void)? = nil) throws -> JSON {
        let outcome: Result<JSON, ControlError>
        do { outcome = try client.request(op, fields, timeout: timeout, event: event) } catch {
            Terminal.error("error: unavailable: op '\(op)' at \(path): \(error.message)")
            throw ExitCode(1)
        }
        switch outcome {
        case .success(let result): return result
        case .failure(let error):
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
    }
}
