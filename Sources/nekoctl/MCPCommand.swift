import ArgumentParser
import Logging
@_spi(Neko) import NekoCore
import NekoLoader
import NekoMCP
import NekoServe

#if canImport(Glibc)
import Glibc
#endif

/// `nekoctl mcp`: the plugins' entries as Model Context Protocol tools, over stdio.
struct MCPServe: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the plugins' entries as Model Context Protocol tools over standard input and output.",
        discussion: """
            Attaches to a running 'nekoctl serve' (its control socket) when one answers, else hosts the \
            plugin roots in this process. Each entry is a tool named <plugin>__<entry>. Name it in an MCP \
            client's config as the command 'nekoctl' with the arguments ["mcp"] (docs/MCP.md). \
            The log goes to standard error; standard output carries only the protocol.
            """)

    @OptionGroup var host: HostOptionsGroup

    @Option(name: .customLong("plugins"), help: ArgumentHelp("A plugin root, as --dir (repeatable).", valueName: "dir"))
    var pluginRoots: [String] = []

    @Option(help: ArgumentHelp("Serve only these plugins (comma-separated ids).", valueName: "id,..."))
    var only: String?

    @Flag(help: "Serve every entry, ignoring the [plugin.mcp] opt-outs of the manifests (for debugging).")
    var all = false

    @Flag(help: "Print the tools that would be served, with their schemas, and exit (no protocol).")
    var list = false

    @Flag(help: "With --list: print the tools as tools/list's JSON.")
    var json = false

    @OptionGroup var server: ServerOptionsGroup

    @OptionGroup var logging: LogOptionsGroup

    func validate() throws {
        if let only, only.split(separator: ",", omittingEmptySubsequences: false).contains(where: { $0.isEmpty }) {
            throw ValidationError("--only takes plugin ids separated by commas, eg hello,cgreet; got '\(only)'")
        }
        if json && !list { throw ValidationError("--json goes with --list") }
    }

    func run() async throws {
        var options = host
        options.roots += pluginRoots
        let selection = ToolCatalog.Selection(only: only.map { Set($0.split(separator: ",").map(String.init)) }, ignoreOptOuts: all)
        // The protocol's own descriptor; standard output then goes to standard error, so that
        // nothing else (a plugin's print) can write into the protocol.
        // Close-on-exec: a worker process never holds the client's pipe open.
        let protocolOutput = list ? 1 : fcntl(1, F_DUPFD_CLOEXEC, 3)
        if !list {
            guard protocolOutput >= 0 else {
                Terminal.error("error: cannot duplicate standard output: \(String(cString: strerror(errno)))")
                throw ExitCode(1)
            }
            _ = dup2(2, 1)
            // A client that goes away mid-reply must not kill the host: its writes fail instead.
            signal(SIGPIPE, SIG_IGN)
        }
        let source: any ToolSource
        var ownHost: PluginHost?
        let logSink = MCPLogSink()
        // Attached: when the serve goes away, so does this server (its client restarts it).
        let ended: @Sendable (String) -> Void = { reason in
            Terminal.error("nekoctl mcp: the nekoctl serve has gone (\(reason)); exiting")
            Glibc.exit(1)
        }
        if let running = server.runningServer(for: options),
            let attached = try? SocketToolSource(path: running.path, logSink: list ? nil : logSink, ended: list ? nil : ended)
        {
            source = attached
            if !list { Terminal.bootstrapLogging(level: logging.level(verbose: options.verbose), format: logging.format) }
        } else {
            var forwarder: (@Sendable () -> any LogHandler)?
            if !list { forwarder = { @Sendable () -> any LogHandler in MCPLogForwarder(sink: logSink) } }
            let plugins = options.makeHost(logging: list ? nil : logging, alongside: forwarder)
            plugins.loadAll()
            ownHost = plugins
            source = HostToolSource(host: plugins)
        }
        defer { ownHost?.shutdown() }
        let mcp = MCPToolServer(
            source: source, selection: selection, transport: StdioLines(input: 0, output: protocolOutput), logSink: logSink)
        if let ownHost, !list {
            // Messages plugins emit go to the client as log lines (info), as `serve` logs them.
            Task.detached {
                for await message in ownHost.messages {
                    logSink.forward(.info, message.plugin, ["topic": .string(message.topic), "payload": message.payload])
                }
            }
        }
        if list {
            let catalog: ToolCatalog
            do { catalog = try mcp.catalog() } catch {
                Terminal.error("error: \(error)")
                throw ExitCode(1)
            }
            show(catalog, source: source)
            return
        }
        Logger(label: "neko").notice("nekoctl mcp: serving the tools of \(source.summary) over stdio")
        // SIGINT or SIGTERM (a client stopping its server): the host's shutdown hooks run, then exit 0.
        let (stopRequests, signalSources) = StopSignals.make()
        defer { signalSources.forEach { $0.cancel() } }
        let hostToStop = ownHost
        Task.detached {
            for await _ in stopRequests {
                source.stop()
                hostToStop?.shutdown()
                Glibc.exit(0)
            }
        }
        try await mcp.run()
    }

    private func show(_ catalog: ToolCatalog, source: any ToolSource) {
        if json {
            Terminal.out(JSON.object(["tools": .array(catalog.tools.map(\.json))]).prettyPrinted())
        } else {
            Terminal.out("\(catalog.tools.count) tools from \(source.summary)")
            for tool in catalog.tools {
                Terminal.out("")
                Terminal.out("\(tool.name): \(tool.description)")
                Terminal.out("  input:  \(String(decoding: tool.inputSchema.serialized(), as: UTF8.self))")
                if let output = tool.outputSchema {
                    Terminal.out("  output: \(String(decoding: output.serialized(), as: UTF8.self))\(tool.wrapsResult ? " (the result, wrapped)" : "")")
                }
                if !tool.annotations.isEmpty {
                    Terminal.out("  annotations: \(tool.annotations.keys.joined(separator: ", "))")
                }
            }
        }
        for left in catalog.leftOut {
            Terminal.error("left out: \(left.plugin)\(left.entry.map { ":\($0)" } ?? ""): \(left.reason)")
        }
    }
}
