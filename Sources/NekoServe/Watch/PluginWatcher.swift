#if canImport(Glibc)
import Glibc
#endif
import Synchronization
@_spi(Neko) import NekoCore
import NekoLoader

/// Watches the plugin roots, and every plugin folder the host has, and keeps
/// the host in step with them.
///
/// ```swift
/// let watcher = PluginWatcher(host: host, roots: host.options.roots)
/// try watcher.start()
/// // ... a build renames a new libhello.so into place: hello reloads on its own
/// watcher.stop()
/// ```
///
/// It uses Linux inotify on one background thread, which also runs every
/// action, one at a time:
/// - a running plugin whose library (the file `[plugin].library` names) or
///   `plugin.toml` changed is reloaded (``PluginHost/reload(_:)``: on failure
///   the old generation serves on);
/// - a new folder under a root, with a `plugin.toml` whose library exists, is
///   loaded (``PluginHost/load(folder:)``), as is a folder whose plugin had
///   failed and whose files changed since;
/// - a removed folder's plugin is unloaded (``PluginHost/unload(_:)``).
///
/// Folders outside the roots are watched too: those the host had when the
/// watcher started and those added later with ``PluginHost/load(folder:)``
/// (`nekoctl load PATH`), which returns once the watch is in place.
///
/// Events on one plugin are debounced: the action runs `debounce` after the
/// last of a burst, and only once the library's size and times are the same
/// in two looks 20 ms apart. A library that is missing (between a delete and a
/// rename) waits for the next event. Hidden names, `*.tmp` and editor
/// leftovers (`~`, `.swp`) at a root are ignored. A plugin stopped on
/// purpose (``PluginHost/unload(_:)``) or disabled is left alone while its
/// folder stays. Each action is recorded in ``events``.
///
/// A program that changes a plugin folder and must know the watcher has
/// acted on the change (an installer, a deploy script, a test) calls
/// ``waitUntilCaughtUp(timeout:)`` after the change: it returns once the
/// watcher has read the change and done (or decided against) what it calls
/// for, never after a guessed delay.
public final class PluginWatcher: Sendable {
    /// The host the watcher keeps in step.
    public let host: PluginHost
    /// The roots watched, as absolute paths.
    public let roots: [String]
    /// How long after the last event of a burst the watcher acts.
    public let debounce: Duration

    private let core: WatchCore
    private let control = Mutex(Control())

    private struct Control {
        var thread: pthread_t?
        /// The write end of the pipe that wakes the thread to stop.
        var wakeWriter: Int32 = -1
        var wakeReader: Int32 = -1
        /// The host's token for the observer of added folders.
        var observer: Int?
    }

    /// Makes a watcher; nothing is watched before ``start()``.
    ///
    /// - Parameters:
    ///   - host: The host to keep in step; usually its `options.roots` are the roots.
    ///   - roots: The plugin roots to watch.
    ///   - debounce: How long to wait after the last event on a plugin before
    ///     acting. 30 ms coalesces the writes of a build; with the 20 ms
    ///     stability check, a reload lands about 50 ms after the rename.
    public init(host: PluginHost, roots: [String], debounce: Duration = .milliseconds(30)) {
        self.host = host
        self.roots = roots.map(Discovery.absolutePath)
        self.debounce = debounce
        core = WatchCore(host: host, debounce: debounce)
    }

    /// A watcher that goes away stops first.
    deinit {
        stop()
    }

    /// What the watcher did, oldest first (the last 1,000 actions).
    public var events: [WatchEvent] {
        core.events.withLock { $0 }
    }

    /// Whether the background thread is running.
    public var isRunning: Bool {
        control.withLock { $0.thread != nil }
    }

    /// Blocks until the watcher has caught up with the roots: every change
    /// made to them before this call has been read, and every action those
    /// changes call for has run (recorded in ``events``) or been found
    /// needless (a folder without a `plugin.toml` yet, a library still
    /// missing, files that did not change). Changes made while it waits may
    /// be included.
    ///
    /// ```swift
    /// rename(newBuild, "\(root)/hello/libhello.so")      // a build puts its library in place
    /// guard watcher.waitUntilCaughtUp() else { ... }      // stuck, or not running
    /// print(watcher.events.last!)                         // hello reloaded: generation 2 in ...
    /// ```
    ///
    /// It takes about the debounce plus the 20 ms stability check after the
    /// last change, longer while a reload runs or a library is still being
    /// written. Call it from any thread but the watcher's own (a plugin's
    /// `startup` during a reload the watcher runs): that one would wait for
    /// itself until `timeout`.
    ///
    /// - Parameter timeout: How long to wait at most.
    /// - Returns: true once caught up; false when `timeout` passed first, or
    ///   when the watcher is not running (or stops meanwhile).
    public func waitUntilCaughtUp(timeout: Duration = .seconds(30)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        // Under the lock: `stop()` cannot close the pipe between the check and the write.
        let ticket: UInt64? = control.withLock { control in
            guard control.thread != nil else { return nil }
            let ticket = core.requested.add(1, ordering: .acquiringAndReleasing).newValue
            var byte: UInt8 = 2
            _ = write(control.wakeWriter, &byte, 1)  // a full pipe wakes the thread just as well
            return ticket
        }
        guard let ticket else { return false }
        return core.progress.wait(until: deadline) {
            core.answered.load(ordering: .acquiring) >= ticket || core.ended.load(ordering: .acquiring)
        } && core.answered.load(ordering: .acquiring) >= ticket
    }

    /// Starts watching the roots and every plugin folder under them, on a
    /// background thread. Starting a running watcher does nothing.
    ///
    /// - Throws: ``WatchError`` naming the root that cannot be watched (missing,
    ///   not a folder, not readable) or the system call that failed.
    public func start() throws(WatchError) {
        try control.withLock { (control: inout Control) throws(WatchError) in
            guard control.thread == nil else { return }
            control = try launch()
            control.observer = host.addFolderObserver { [weak self] folder in self?.added(folder) }
        }
    }

    /// The host added a plugin folder: it is watched before the host loads
    /// it, unless this is the watcher's own thread (the watcher loading a
    /// new folder under a root), which watches it after its action.
    private func added(_ folder: String) {
        core.added.withLock { $0.append(folder) }
        guard core.thread.load(ordering: .acquiring) != UInt(pthread_self()) else { return }
        _ = waitUntilCaughtUp(timeout: .seconds(10))
    }

    /// Opens the watches and starts the thread.
    private func launch() throws(WatchError) -> Control {
        guard let wake = Posix.wakePipe(nonBlocking: true) else {
            throw WatchError(path: "pipe", message: "cannot make the wake-up pipe: \(errnoText())")
        }
        let pipeEnds = [wake.read, wake.write]
        func closePipe() {
            close(wake.read)
            close(wake.write)
        }
        let loop: WatchLoop
        do throws(WatchError) {
            loop = try WatchLoop(host: host, roots: roots, debounce: debounce, wake: pipeEnds[0])
        } catch {
            closePipe()
            throw error
        }
        core.stopping.store(false, ordering: .releasing)
        core.ended.store(false, ordering: .releasing)
        // The loop goes to the thread whole: nothing here touches it afterwards.
        var thread = pthread_t()
        let context = Unmanaged.passRetained(ThreadStart(core: core, loop: loop)).toOpaque()
        let created = pthread_create(&thread, nil, { context in
            let start = Unmanaged<ThreadStart>.fromOpaque(context!).takeRetainedValue()
            start.core.thread.store(UInt(pthread_self()), ordering: .releasing)
            start.loop.run(start.core)
            start.core.finish()
            return nil
        }, context)
        guard created == 0 else {
            Unmanaged<ThreadStart>.fromOpaque(context).release()
            closePipe()
            throw WatchError(path: "pthread_create", message: "cannot start the watcher thread: \(String(cString: strerror(created)))")
        }
        return Control(thread: thread, wakeWriter: pipeEnds[1], wakeReader: pipeEnds[0])
    }

    /// Stops watching and waits for the thread to end (after the action it
    /// may be running). Safe to call twice, and before ``start()``.
    public func stop() {
        control.withLock { control in
            guard let thread = control.thread else { return }
            if let observer = control.observer { host.removeFolderObserver(observer) }
            core.stopping.store(true, ordering: .releasing)
            var byte: UInt8 = 1
            _ = write(control.wakeWriter, &byte, 1)
            pthread_join(thread, nil)
            close(control.wakeWriter)
            close(control.wakeReader)
            control = Control()
        }
    }
}

/// What `start()` hands to the new thread, which then owns the loop alone.
private final class ThreadStart {
    let core: WatchCore
    let loop: WatchLoop

    init(core: WatchCore, loop: WatchLoop) {
        self.core = core
        self.loop = loop
    }
}

/// What the watcher's thread shares with the rest: the events, the stop
/// flag, and how far it has caught up with the callers of
/// `waitUntilCaughtUp`.
final class WatchCore: Sendable {
    static let eventLimit = 1000

    let host: PluginHost
    let debounce: Duration
    let events = Mutex<[WatchEvent]>([])
    let stopping = Atomic<Bool>(false)
    /// The last ticket handed to a caller of `waitUntilCaughtUp` (each adds 1).
    let requested = Atomic<UInt64>(0)
    /// The last ticket the thread has caught up with: every change made before
    /// it was asked for has been read and acted on.
    let answered = Atomic<UInt64>(0)
    /// Set when the thread has returned (stopped, or poll failed).
    let ended = Atomic<Bool>(false)
    /// Broadcast when `answered` or `ended` changes.
    let progress = LockAndCondition()
    /// Folders the host added (`load(folder:)`) that the thread has not watched yet.
    let added = Mutex<[String]>([])
    /// The watcher thread's `pthread_self()`, once it runs.
    let thread = Atomic<UInt>(0)

    init(host: PluginHost, debounce: Duration) {
        self.host = host
        self.debounce = debounce
    }

    /// The thread has caught up with every ticket up to `ticket`: wakes
    /// those who wait for it.
    func caughtUp(to ticket: UInt64) {
        guard ticket > answered.load(ordering: .relaxed) else { return }
        answered.store(ticket, ordering: .releasing)
        progress.notifyAll()
    }

    /// The thread has returned: nobody waits for it any longer.
    func finish() {
        ended.store(true, ordering: .releasing)
        progress.notifyAll()
    }

    /// Records an event, and logs it: at debug level when the host logged
    /// the action already (loads, reloads, unloads and their failures), as a
    /// warning otherwise.
    func record(_ event: WatchEvent) {
        events.withLock { events in
            events.append(event)
            if events.count > Self.eventLimit { events.removeFirst(events.count - Self.eventLimit) }
        }
        if event.kind == .failed && event.phase == nil {
            host.logger.warning("watch: \(event)", metadata: ["plugin": "\(event.id)"])
        } else {
            host.logger.debug("watch: \(event)", metadata: ["plugin": "\(event.id)"])
        }
    }
}
