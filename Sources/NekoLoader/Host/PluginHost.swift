#if canImport(Glibc)
import Glibc
#endif
import Logging
@_spi(Neko) import NekoCore
import NekoWire
import Synchronization

/// Finds, loads and calls plugins: the host side of Neko, for `nekoctl` and
/// for any application that embeds plugins.
///
/// ```swift
/// let host = PluginHost(options: HostOptions(roots: ["/srv/plugins"]))
/// host.loadAll()
/// let greeting = try await host.call("hello", "greet", ["name": "Ada"], as: Greeting.self)
/// host.shutdown()
/// ```
///
/// Every method is safe to call from any thread, concurrently. Libraries are
/// opened from private copies and never closed.
public final class PluginHost: Sendable {
    /// The options the host was made with.
    public let options: HostOptions
    /// Messages that plugins send with `emit`, in order; read them with `for await`.
    /// When `messageCapacity` messages wait unread, `emit` refuses more (the
    /// plugin gets a receipt saying so).
    public let messages: AsyncStream<PluginMessage>

    package let logger: Logger
    let inbox: AsyncStream<PluginMessage>.Continuation
    let registry = Mutex(Registry())
    /// Serializes loading and stopping, which may block for a long time,
    /// without holding the registry lock that calls read. Take it with
    /// `withLifecycle`, which records the thread that holds it.
    let lifecycle = LockAndCondition()
    /// The thread inside `withLifecycle`, or 0: a plugin calling back into
    /// the host from a lifecycle hook must not wait for that lock.
    let lifecycleOwner = Atomic<UInt>(0)
    /// Set once by `shutdown()`: nothing loads afterwards.
    let closed = Atomic<Bool>(false)
    /// Signaled when a plugin's switch between generations ends (a reload),
    /// for the calls that wait for it.
    let switched = LockAndCondition()
    /// Signaled by `shutdown()`, for the waits it cuts short (a restart delay).
    let closing = LockAndCondition()
    /// How long a blocking caller of an async entry spins for its answer (adaptive).
    let answerSpin: SpinBudget
    /// Who is told of folders added with `load(folder:)` (a watcher), by token.
    let folderObservers = Mutex(FolderObservers())

    /// Makes a host; nothing is read until `discover()` or `loadAll()`.
    public init(options: HostOptions) {
        self.options = options
        logger = options.logger
        answerSpin = SpinBudget(cap: options.answerSpin, adaptive: options.adaptiveSpin)
        (messages, inbox) = AsyncStream.makeStream(of: PluginMessage.self, bufferingPolicy: .bufferingOldest(options.messageCapacity))
    }

    /// Makes a host for these plugin roots, with default options.
    public convenience init(roots: [String]) {
        self.init(options: HostOptions(roots: roots))
    }

    /// A host that goes away stops its plugins first.
    deinit {
        shutdown()
    }

    // MARK: - Listing

    /// Every plugin folder under the roots, in discovery order, with its state.
    public var plugins: [PluginStatus] {
        registry.withLock { registry in registry.records.map { $0.status } }
    }

    /// The plugin with this id, or nil when no folder provides it.
    public func plugin(_ id: String) -> PluginStatus? {
        registry.withLock { registry in registry.record(id)?.status }
    }

    /// Problems with the roots themselves (a root that does not exist, ...).
    public var rootProblems: [String] {
        registry.withLock { $0.rootProblems }
    }

    // MARK: - Internal

    func newCallID() -> UInt64 {
        CallIDs.next()
    }

    /// Runs `body` holding the lifecycle lock.
    func withLifecycle<T>(_ body: () throws -> T) rethrows -> T {
        try lifecycle.locked {
            lifecycleOwner.store(UInt(pthread_self()), ordering: .relaxed)
            defer { lifecycleOwner.store(0, ordering: .relaxed) }
            return try body()
        }
    }

    /// Whether this thread is inside a lifecycle call (a plugin's `create`,
    /// `start`, `stop` or settings change, run by the host).
    var isInsideLifecycle: Bool {
        lifecycleOwner.load(ordering: .relaxed) == UInt(pthread_self())
    }

    /// Queues a plugin's message. - Returns: false when the queue is full.
    func deliver(_ message: PluginMessage) -> Bool {
        switch inbox.yield(message) {
        case .enqueued: true
        case .dropped, .terminated: false
        @unknown default: false
        }
    }
}
