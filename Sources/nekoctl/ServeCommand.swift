import ArgumentParser
import Dispatch
import Logging
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

#if canImport(Glibc)
import Glibc
#endif

/// `nekoctl serve`: a long-running host with a control socket.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a long-lived plugin host, controlled through a Unix socket (see docs/SERVE.md).",
        discussion: """
            Loads every plugin under the roots, then answers newline-delimited JSON requests on the \
            control socket (mode 0600, in a 0700 folder; only our own uid may connect). While it runs, \
            list, info, call and settings go to it, and status, load, unload and reload act on it. \
            Logs loads, reloads, failures, crashes, restarts and the plugins' own lines to standard \
            error (-q: only warnings and errors; -v: also each state change; --log-format json). \
            SIGINT or SIGTERM: stop accepting, let requests in progress finish (at most 5 s), shut the \
            plugins down, remove the socket file, exit 0.
            """)

    @OptionGroup var host: HostOptionsGroup

    @OptionGroup var server: ServerOptionsGroup

    @OptionGroup var logging: LogOptionsGroup

    @Flag(help: "Watch every plugin folder (those under the roots and those added with 'load PATH'): reload a plugin when its library is rebuilt, load new folders.")
    var watch = false

    @Flag(help: "Load only plugins installed from a package signed by a trusted key ('nekoctl install', 'nekoctl trust').")
    var requireSignature = false

    func validate() throws {
        if host.verbose && logging.quiet { throw ValidationError("-v and -q cannot go together") }
    }

    func run() async throws {
        // A client that goes away mid-reply must not kill the host.
        signal(SIGPIPE, SIG_IGN)
        let (stopRequests, signalSources) = StopSignals.make()
        defer { signalSources.forEach { $0.cancel() } }
        let path = server.path
        // Log lines and emitted messages also go to the `watch` requests that ask for them (`nekoctl mcp`).
        let broadcast = LogBroadcast()
        let plugins = host.makeHost(
            logging: logging, libraryApproval: requireSignature ? Packaging.signaturePolicy() : nil,
            alongside: { @Sendable () -> any LogHandler in LogBroadcastHandler(broadcast: broadcast) })
        let log = Logger(label: "nekoctl")
        // Each failure is logged by the host as it happens (a warning).
        let report = plugins.loadAll()
        for problem in plugins.rootProblems { log.warning("\(problem)") }
        guard report.fatal.isEmpty else {
            log.error("startup_failure = \"fail\" and failed to load: \(report.fatal.joined(separator: ", "))")
            plugins.shutdown()
            throw ExitCode(1)
        }
        let control = ControlServer(host: plugins, path: path, logs: broadcast)
        do { try control.start() } catch {
            log.error("\(error)")
            plugins.shutdown()
            throw ExitCode(1)
        }
        let messages = Task {
            for await message in plugins.messages {
                broadcast.publishMessage(plugin: message.plugin, topic: message.topic, payload: message.payload)
                log.info("message from \(message.plugin): \(message.topic) \(message.payload.description)", metadata: ["plugin": "\(message.plugin)"])
            }
        }
        var watcher: PluginWatcher?
        if watch {
            let started = PluginWatcher(host: plugins, roots: host.resolvedRoots)
            do { try started.start() } catch {
                log.error("--watch: cannot watch the plugin folders: \(error)")
                control.stop(drainingAtMost: .zero)
                plugins.shutdown()
                control.removeSocketFile()
                throw ExitCode(1)
            }
            watcher = started
        }
        log.notice("nekoctl serve: listening on \(path) (pid \(getpid())); \(report.loaded.count) plugins loaded from \(host.resolvedRoots.joined(separator: ":"))\(watch ? ", watched" : ""); stop with SIGINT or SIGTERM")

        var received: Int32 = 0
        for await signal in stopRequests {
            received = signal
            break
        }
        log.notice("nekoctl serve: \(received == SIGINT ? "SIGINT" : "SIGTERM"): stopping (requests in progress get at most 5 s)")
        watcher?.stop()
        if !control.stop(drainingAtMost: .seconds(5)) {
            log.warning("requests were still in progress at \(path) after 5 s; shutting down anyway")
        }
        plugins.shutdown()
        control.removeSocketFile()
        await messages.value
        log.notice("nekoctl serve: stopped")
    }
}

/// SIGINT and SIGTERM for a long-running command.
enum StopSignals {
    /// SIGINT and SIGTERM, as they arrive (their default action is turned
    /// off), and the sources that watch them: keep those until the end.
    static func make() -> (AsyncStream<Int32>, [any DispatchSourceSignal]) {
        let (stream, continuation) = AsyncStream.makeStream(of: Int32.self)
        let sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { continuation.yield(number) }
            source.resume()
            return source
        }
        return (stream, sources)
    }
}
