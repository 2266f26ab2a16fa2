@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe
import Synchronization

/// The plugins of a `PluginHost` in this process: `nekoctl mcp` when no
/// `nekoctl serve` answers. Calls go straight to the entries; a canceled
/// call is canceled in the plugin.
public final class HostToolSource: ToolSource {
    /// The host.
    public let host: PluginHost
    private let stopped = Atomic<Bool>(false)

    /// A source over `host`, which the caller has loaded.
    public init(host: PluginHost) {
        self.host = host
    }

    /// "the plugins under ROOTS, in this process".
    public var summary: String {
        "the plugins under \(host.options.roots.joined(separator: ":")), in this process"
    }

    /// Every plugin's `infoJSON`.
    public func plugins() throws(ControlError) -> [JSON] {
        host.plugins.map(\.infoJSON)
    }

    /// Calls the entry (an async entry's call is canceled with the task).
    public func call(
        plugin: String, entry: String, arguments: JSONObject, progress: (@Sendable (CallProgress) -> Void)?
    ) async -> Result<JSON, ControlError> {
        do {
            let handle = try host.entry(plugin, entry)
            let bytes = try await handle.call(JSON.object(arguments).serialized(), progress: progress)
            return .success(Self.resultJSON(bytes))
        } catch {
            return .failure(ControlError(error))
        }
    }

    /// Waits for the host's changes on a thread of its own.
    public func watchChanges(_ changed: @escaping @Sendable () -> Void) {
        let host = self.host
        _ = DetachedThread.start { [self] in
            var seen = host.changeCount
            while !self.stopped.load(ordering: .acquiring) {
                // Bounded, to see `stop()`; a change wakes it at once.
                guard host.waitForChange(after: seen, timeout: .milliseconds(500)) else { continue }
                seen = host.changeCount
                if !self.stopped.load(ordering: .acquiring) { changed() }
            }
        }
    }

    /// Stops watching.
    public func stop() {
        stopped.store(true, ordering: .releasing)
    }
}
