import FoundationEssentials
import Logging
import MCP
@_spi(Neko) import NekoCore
import NekoServe
import Synchronization

/// `nekoctl mcp`: a Model Context Protocol server over a transport (stdio),
/// whose tools are the entries of a ``ToolSource``'s plugins (docs/MCP.md).
///
/// ```swift
/// let server = MCPToolServer(source: HostToolSource(host: host), selection: .init(), transport: StdioLines(input: 0, output: 1))
/// try await server.run()   // until the client closes standard input
/// ```
///
/// `tools/list` answers from a catalog kept until the plugins change; each
/// change (a load, reload, unload, crash) drops it and sends
/// `notifications/tools/list_changed`.
public final class MCPToolServer: Sendable {
    /// Where the tools come from.
    public let source: any ToolSource
    /// Which plugins and entries are served.
    public let selection: ToolCatalog.Selection
    /// The stdio transport.
    public let transport: StdioLines
    let logger: Logger
    /// The catalog, until the plugins change; and how many changes came, so
    /// that a catalog read before a change is never kept after it.
    private let cached = Mutex<(catalog: ToolCatalog?, changes: Int)>((nil, 0))
    /// The least severe level of the log lines forwarded (`logging/setLevel`); nil: none yet.
    let logLevel = Mutex<LogLevel?>(nil)

    /// Log lines to forward as `notifications/message`, at the level the client sets.
    let logSink: MCPLogSink?

    /// A server of `source`'s tools over `transport`; `logSink` brings the
    /// lines to forward (a host in this process).
    public init(
        source: any ToolSource, selection: ToolCatalog.Selection, transport: StdioLines, logSink: MCPLogSink? = nil,
        logger: Logger = Logger(label: "neko")
    ) {
        self.source = source
        self.logSink = logSink
        self.selection = selection
        self.transport = transport
        self.logger = logger
    }

    /// The tools now.
    /// - Throws: the source's error (a server that no longer answers).
    public func catalog() throws(ControlError) -> ToolCatalog {
        let (kept, changes) = cached.withLock { ($0.catalog, $0.changes) }
        if let kept { return kept }
        let catalog = ToolCatalog(plugins: try source.plugins(), selection: selection)
        cached.withLock { if $0.changes == changes { $0.catalog = catalog } }
        return catalog
    }

    /// Serves until the client closes the transport, then stops the source.
    public func run() async throws {
        let server = Server(
            name: "nekoctl", version: BuildStamp.nekoVersion, title: "Neko plugins",
            capabilities: .init(logging: .init(), tools: .init(listChanged: true)))
        await server.withMethodHandler(ListTools.self) { [self] _ in
            do { return ListTools.Result(tools: try catalog().tools.map(Self.sdkTool)) } catch {
                throw MCPError.internalError("cannot list the plugins of \(source.summary): \(error)")
            }
        }
        await server.withMethodHandler(CallTool.self) { [self] parameters in
            try await call(parameters)
        }
        await server.withMethodHandler(SetLoggingLevel.self) { [self] parameters in
            logLevel.withLock { $0 = parameters.level }
            return Empty()
        }
        try await server.start(transport: transport)
        logSink?.attach { [self] level, speaker, data in
            guard let minimum = logLevel.withLock({ $0 }), Self.severity(level) >= Self.severity(minimum) else { return }
            notify(LogMessageNotification.message(.init(level: level, logger: speaker, data: Value(neko: data))))
        }
        source.watchChanges { [self] in
            cached.withLock {
                $0.catalog = nil
                $0.changes += 1
            }
            notify(ToolListChangedNotification.message())
        }
        await server.waitUntilCompleted()
        source.stop()
    }

    /// `tools/call`: an unknown tool is a JSON-RPC error (invalid params);
    /// the call's own errors are results with `isError: true`.
    func call(_ parameters: CallTool.Parameters) async throws -> CallTool.Result {
        let catalog: ToolCatalog
        do { catalog = try self.catalog() } catch {
            return ToolResult.make(.failure(error), for: MCPTool.unknown(parameters.name))
        }
        guard let tool = catalog.tool(named: parameters.name) else {
            let names = catalog.tools.map(\.name)
            throw MCPError.invalidParams(
                "unknown tool '\(parameters.name)' (tools: \(names.isEmpty ? "none" : names.prefix(20).joined(separator: ", "))\(names.count > 20 ? ", ..." : ""))")
        }
        var arguments = JSONObject()
        for (key, value) in parameters.arguments ?? [:] { arguments[key] = JSON(mcp: value) }
        var progress: (@Sendable (CallProgress) -> Void)?
        if let token = parameters._meta?.progressToken {
            progress = { [self] report in
                notify(ProgressNotification.message(.init(
                    progressToken: token, progress: report.done, total: report.total, message: report.message.isEmpty ? nil : report.message)))
            }
        }
        let outcome = await source.call(plugin: tool.plugin, entry: tool.entry, arguments: arguments, progress: progress)
        // A canceled request gets no answer (MCP): the SDK drops it.
        try Task.checkCancellation()
        return ToolResult.make(outcome, for: tool)
    }

    /// Writes a notification now, from any thread.
    func notify<N: MCP.Notification>(_ message: Message<N>) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(message) else { return }
        transport.sendNow(Array(data))
    }

    /// How severe `level` is: debug 0 ... emergency 7.
    static func severity(_ level: LogLevel) -> Int {
        LogLevel.allCases.firstIndex(of: level) ?? 0
    }

    /// The SDK's tool for `tool`.
    static func sdkTool(_ tool: MCPTool) -> Tool {
        let hints = tool.hints
        func claimed(_ name: String) -> Bool? { hints.contains(name) ? true : nil }
        return Tool(
            name: tool.name, title: tool.title, description: tool.description, inputSchema: Value(neko: tool.inputSchema),
            annotations: Tool.Annotations(
                readOnlyHint: claimed("read_only"), destructiveHint: claimed("destructive"),
                idempotentHint: claimed("idempotent"), openWorldHint: claimed("open_world")),
            outputSchema: tool.outputSchema.map { Value(neko: $0) })
    }
}

extension MCPTool {
    /// A placeholder for a tool that could not be looked up.
    static func unknown(_ name: String) -> MCPTool {
        MCPTool(name: name, plugin: "", entry: "", title: name, description: "", inputSchema: ["type": "object"], outputSchema: nil, wrapsResult: false, hints: [])
    }
}
