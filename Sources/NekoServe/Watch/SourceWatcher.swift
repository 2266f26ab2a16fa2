#if canImport(Glibc)
import Glibc
#endif
@_spi(Neko) import NekoCore
import NekoLoader
import Synchronization

/// Watches a plugin's source tree for saves, for `nekoctl dev`: Linux
/// inotify on the folder and its sub-folders (hidden ones such as `.build`
/// left out), waited on with `poll`, never by looking again after a delay.
///
/// ```swift
/// let sources = try SourceWatcher(folder: "/home/ada/greeter")
/// while let change = sources.nextChange() {       // blocks until a save
///     print("changed: \(change.files)")           // ["Sources/Plugin.swift"]
/// }                                               // nil once stop() was called
/// ```
///
/// Only source files count: `.swift`, `.c`, `.h` (and the other C and C++
/// suffixes), `.toml`, `.mk`, `Makefile` and `Package.swift`. The library a
/// build puts in the folder, a plugin's data files and editor leftovers never
/// start a build.
public final class SourceWatcher: Sendable {
    /// The folder watched, as an absolute path.
    public let folder: String
    /// How deep sub-folders are watched (the folder itself is depth 0).
    public static let maximumDepth = 8

    private static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_CREATE | IN_ONLYDIR | IN_DONT_FOLLOW)
    private static let suffixes = [".swift", ".c", ".h", ".cc", ".cpp", ".cxx", ".hpp", ".hh", ".m", ".s", ".S", ".toml", ".mk"]
    private static let names: Set<String> = ["Makefile", "makefile", "GNUmakefile", "Package.swift"]

    private let inotify: Int32
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let stopped = Atomic<Bool>(false)
    /// The folder each watch descriptor stands for, relative to `folder` ("" for itself).
    private let watched = Mutex<[Int32: String]>([:])

    /// Starts watching `folder` and its sub-folders.
    /// - Throws: ``WatchError`` naming the folder when it cannot be watched.
    public init(folder: String) throws(WatchError) {
        self.folder = Discovery.absolutePath(folder)
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else { throw WatchError(path: "inotify", message: "inotify_init1 failed: \(errnoText())") }
        guard let wake = Posix.wakePipe(nonBlocking: true) else {
            close(inotify)
            throw WatchError(path: "pipe", message: "cannot make the wake-up pipe: \(errnoText())")
        }
        (wakeRead, wakeWrite) = wake
        guard add("", depth: 0) else {
            let reason = Discovery.describe(errno, path: self.folder)
            close(inotify)
            close(wakeRead)
            close(wakeWrite)
            throw WatchError(path: self.folder, message: "cannot watch the plugin's sources: \(reason)")
        }
    }

    deinit {
        close(inotify)
        close(wakeRead)
        close(wakeWrite)
    }

    /// Whether a file name is a source file: a save of it starts a build.
    public static func isSource(_ name: String) -> Bool {
        names.contains(name) || (!name.hasPrefix(".") && suffixes.contains { name.hasSuffix($0) })
    }

    /// Blocks until a source file is saved, created, removed or renamed, then
    /// until `quiet` passes without another such change (an editor's or a
    /// `git checkout`'s burst is one change).
    /// - Returns: the change; nil once ``stop()`` was called (or inotify failed).
    public func nextChange(quiet: Duration = .milliseconds(30)) -> SourceChange? {
        var changed: Set<String> = []
        var first: ContinuousClock.Instant?
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var due: ContinuousClock.Instant?
        while !stopped.load(ordering: .acquiring) {
            var timeout: Int32 = -1
            if let due {
                let left = due - ContinuousClock.now
                if left <= .zero { return SourceChange(files: changed.sorted(), firstSeen: first ?? .now) }
                timeout = Int32(clamping: max(1, left.wholeMilliseconds))
            }
            var descriptors = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if descriptors[1].revents != 0 || stopped.load(ordering: .acquiring) { return nil }
            guard ready > 0, descriptors[0].revents != 0 else { continue }
            // Each source event pushes the end of the burst back.
            if read(into: &buffer, changed: &changed) {
                if first == nil { first = .now }
                due = ContinuousClock.now + quiet
            }
        }
        return nil
    }

    /// Makes ``nextChange(quiet:)`` return nil, now and from then on. Any thread.
    public func stop() {
        stopped.store(true, ordering: .releasing)
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    // MARK: - Internal

    /// Watches the folder at `relative` and, below `maximumDepth`, its
    /// sub-folders except hidden ones. - Returns: whether it is watched.
    @discardableResult
    private func add(_ relative: String, depth: Int) -> Bool {
        let path = relative.isEmpty ? folder : Discovery.join(folder, relative)
        let watch = inotify_add_watch(inotify, path, Self.mask)
        guard watch >= 0 else { return false }
        watched.withLock { $0[watch] = relative }
        guard depth < Self.maximumDepth, case .names(let names) = Discovery.listFolder(path) else { return true }
        for name in names.sorted() where !name.hasPrefix(".") {
            let child = relative.isEmpty ? name : "\(relative)/\(name)"
            if case .directory = Discovery.FileStatus.of(Discovery.join(folder, child)) { add(child, depth: depth + 1) }
        }
        return true
    }

    /// Reads the queued events. - Returns: whether one was about a source file.
    private func read(into buffer: inout [UInt8], changed: inout Set<String>) -> Bool {
        var any = false
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(inotify, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return any }
            var offset = 0
            while offset + 16 <= count {
                let (watch, mask, length) = buffer.withUnsafeBytes { bytes in
                    (bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self),
                     bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self),
                     Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self)))
                }
                let name = String(decoding: buffer[(offset + 16)..<min(offset + 16 + length, count)].prefix { $0 != 0 }, as: UTF8.self)
                offset += 16 + length
                if handle(watch: watch, mask: mask, name: name, changed: &changed) { any = true }
            }
        }
    }

    private func handle(watch: Int32, mask: UInt32, name: String, changed: inout Set<String>) -> Bool {
        if mask & UInt32(IN_IGNORED) != 0 {
            _ = watched.withLock { $0.removeValue(forKey: watch) }
            return false
        }
        guard let parent = watched.withLock({ $0[watch] }), !name.isEmpty else { return false }
        let relative = parent.isEmpty ? name : "\(parent)/\(name)"
        if mask & UInt32(IN_ISDIR) != 0 {
            // A new sub-folder (eg Sources/ made by a scaffold): watch it; its files count once saved.
            if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0, !name.hasPrefix("."), relative.split(separator: "/").count <= Self.maximumDepth {
                add(relative, depth: relative.split(separator: "/").count)
            }
            return false
        }
        guard mask & UInt32(IN_CREATE) == 0, Self.isSource(name) else { return false }  // a created file counts once written
        changed.insert(relative)
        return true
    }
}

/// A burst of saves a ``SourceWatcher`` saw.
public struct SourceChange: Sendable, Equatable {
    /// The files changed, relative to the watched folder, sorted, eg `["Sources/Plugin.swift"]`.
    public let files: [String]
    /// When the watcher read the burst's first event: where an edit-to-answer time starts.
    public let firstSeen: ContinuousClock.Instant
}
