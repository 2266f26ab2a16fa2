import ArgumentParser
import Dispatch
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

#if canImport(Glibc)
import Glibc
#endif

/// `nekoctl dev [DIR]`: the plugin author's inner loop.
struct Dev: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build a plugin, load it, then rebuild and hot-reload it on every save (the inner loop).",
        discussion: """
            Builds the plugin in DIR (default: the current folder): a Swift package with 'swift build' in \
            the host's configuration, a C plugin with its Makefile. Loads it into the running 'nekoctl serve' \
            at the socket, or else into a host in this process, served at that socket (so 'nekoctl call' \
            reaches it). Then watches DIR's sources: each save rebuilds and reloads, printing the build time, \
            the reload time and the time from the save to the new build serving. A failed build prints the \
            compiler's errors and the last good build keeps serving. SIGINT (Ctrl-C) or SIGTERM stops; a \
            plugin loaded into a running 'nekoctl serve' stays there.
            """)

    @Argument(help: "The plugin folder (the one holding plugin.toml); its name is the plugin id.")
    var folder: String = "."

    @OptionGroup var host: HostOptionsGroup

    @OptionGroup var server: ServerOptionsGroup

    @OptionGroup var logging: LogOptionsGroup

    @Option(help: ArgumentHelp("A Swift plugin's build configuration, debug or release (default: this nekoctl's, \(DevBuild.hostConfiguration)): build it as the host was built.", valueName: "config"))
    var configuration: String?

    func validate() throws {
        if host.verbose && logging.quiet { throw ValidationError("-v and -q cannot go together") }
        if let configuration, !["debug", "release"].contains(configuration) {
            throw ValidationError("--configuration must be debug or release, got '\(configuration)'")
        }
    }

    func run() async throws {
        signal(SIGPIPE, SIG_IGN)
        // The builds find the SDK of this nekoctl (its checkout's, or its install's)
        // unless NEKO_SDK names another: the plugin is built for the host that loads it.
        if (getenv("NEKO_SDK").map { String(cString: $0).isEmpty } ?? true), let root = Scaffold.findNekoRoot() {
            setenv("NEKO_SDK", "\(root)/SDK", 1)
        }
        let build: DevBuild
        switch DevBuild.make(folder: folder, configuration: configuration ?? DevBuild.hostConfiguration) {
        case .success(let made): build = made
        case .failure(let failure):
            Terminal.error("error: \(failure.message)")
            throw ExitCode(1)
        }
        let sources: SourceWatcher
        do { sources = try SourceWatcher(folder: build.folder) } catch {
            Terminal.error("error: \(error)")
            throw ExitCode(1)
        }
        let (stopRequests, signalSources) = StopSignals.make()
        defer { signalSources.forEach { $0.cancel() } }
        let target = try startHost()
        Terminal.out("nekoctl dev: \(build.id) (\(build.kind.rawValue)\(build.kind == .swiftPackage ? ", \(build.configuration)" : "")) in \(build.folder), into \(target.description); SIGINT (Ctrl-C) stops")

        let loop = DevLoop(build: build, target: target, sources: sources)
        let ended = DispatchSemaphore(value: 0)
        guard DetachedThread.start({
            loop.run()
            ended.signal()
        }) else {
            Terminal.error("error: cannot start the dev loop's thread: \(errnoText())")
            throw ExitCode(1)
        }
        for await _ in stopRequests { break }
        sources.stop()
        await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                ended.wait()
                done.resume()
            }
        }
        switch target {
        case .server(let path):
            Terminal.out("nekoctl dev: stopped; \(build.id) stays loaded in the nekoctl serve at \(path)")
        case .local(let plugins, let control):
            _ = control.stop(drainingAtMost: .seconds(5))
            plugins.shutdown()
            control.removeSocketFile()
            Terminal.out("nekoctl dev: stopped")
        }
    }

    /// The running `nekoctl serve`, or a host of this process served at the socket.
    private func startHost() throws -> DevHost {
        // A plugin's own lines at info (-v: debug); the host's only when they are warnings (-v: debug).
        let level = logging.level(verbose: host.verbose)
        if server.runningServer(for: host) != nil {
            Terminal.bootstrapLogging(level: level, format: logging.format)
            return .server(server.path)
        }
        let plugins = host.makeHost(logging: logging, hostLevel: host.verbose ? .debug : .warning)
        plugins.loadAll()
        if !host.roots.isEmpty {
            for problem in plugins.rootProblems { Terminal.error("warning: \(problem)") }
        }
        let control = ControlServer(host: plugins, path: server.path)
        do { try control.start() } catch {
            Terminal.error("error: cannot serve the dev host: \(error)")
            plugins.shutdown()
            throw ExitCode(1)
        }
        return .local(plugins, control)
    }
}

/// The loop of `nekoctl dev`, on a thread of its own: build, bring up, wait
/// for a save, again, until the source watcher stops.
struct DevLoop: Sendable {
    let build: DevBuild
    let target: DevHost
    let sources: SourceWatcher

    func run() {
        var serving: Int?  // the generation of the last good build, once one serves
        serving = cycle(since: nil, serving: serving)
        Terminal.out("watching \(build.folder): save a source file to rebuild and reload")
        while let change = sources.nextChange() {
            Terminal.out("changed: \(change.files.joined(separator: ", "))")
            serving = cycle(since: change.firstSeen, serving: serving)
        }
    }

    /// Builds and brings the build up. - Returns: the generation serving afterwards.
    private func cycle(since saved: ContinuousClock.Instant?, serving: Int?) -> Int? {
        let keeps = serving.map { "generation \($0) keeps serving" } ?? "nothing serves yet"
        let built = build.run()
        guard built.succeeded else {
            // One write: a reader sees the verdict and the compiler's errors together.
            let output = built.output.hasSuffix("\n") ? String(built.output.dropLast()) : built.output
            Terminal.out("build: FAILED in \(built.duration.millisecondsText); \(keeps)\(output.isEmpty ? "" : "\n" + output)")
            return serving
        }
        Terminal.out("build: ok in \(built.duration.millisecondsText)")
        switch target.bringUp(build.id, from: build.folder) {
        case .loaded(let generation, let duration):
            let total = saved.map { "; save to serving: \((ContinuousClock.now - $0).millisecondsText)" } ?? ""
            Terminal.out("\(build.id) loaded: generation \(generation) in \(duration.millisecondsText)\(total)")
            return generation
        case .reloaded(let generation, let duration):
            let total = saved.map { "; save to serving: \((ContinuousClock.now - $0).millisecondsText)" } ?? ""
            Terminal.out("\(build.id) reloaded: generation \(generation) in \(duration.millisecondsText)\(total)")
            return generation
        case .failed(let message):
            Terminal.out("\(build.id) did not come up: \(message); \(keeps)")
            return serving
        }
    }
}
