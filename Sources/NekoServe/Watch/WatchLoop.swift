#if canImport(Glibc)
import Glibc
#endif
import Synchronization
@_spi(Neko) import NekoCore
import NekoLoader

/// The inotify side of a ``PluginWatcher``: made by `start()`, then owned by
/// the watcher's thread alone, which reads events, debounces them per plugin
/// folder and runs the actions one at a time.
final class WatchLoop {
    /// How long apart the two looks at a library are that must agree before acting.
    static let settle: Duration = .milliseconds(20)

    static let rootMask = UInt32(IN_CREATE | IN_DELETE | IN_MOVED_TO | IN_MOVED_FROM | IN_ONLYDIR)
    static let folderMask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_ATTRIB | IN_ONLYDIR)

    /// What a plugin folder's files looked like when the watcher last acted (or started).
    struct Signature: Equatable {
        var library: FileStamp?
        var manifest: FileStamp?
    }

    private let host: PluginHost
    private let debounce: Duration
    private let inotify: Int32
    private let wake: Int32
    private var roots: [Int32: String] = [:]
    private var folders: [Int32: String] = [:]
    private var watchOfFolder: [String: Int32] = [:]
    private var libraryNames: [String: String] = [:]
    private var seen: [String: Signature] = [:]
    /// Folders waiting for their debounce to end, and when it ends.
    private var pending: [String: ContinuousClock.Instant] = [:]
    /// Folders that appeared (created or moved in) and were not loaded since:
    /// they load even if the host had unloaded a plugin of that id.
    private var fresh: Set<String> = []
    /// Plugin folders outside the roots (added with `load(folder:)`), watched too.
    private var outside: Set<String> = []

    /// Opens inotify and watches `roots` and the folders in them.
    /// - Throws: naming the first root that cannot be watched.
    init(host: PluginHost, roots rootPaths: [String], debounce: Duration, wake: Int32) throws(WatchError) {
        self.host = host
        self.debounce = debounce
        self.wake = wake
        inotify = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard inotify >= 0 else {
            throw WatchError(path: "inotify", message: "inotify_init1 failed: \(errnoText())")
        }
        for root in rootPaths where !roots.values.contains(root) {
            if case .missing = Discovery.FileStatus.of(root) {
                throw WatchError(path: root, message: "cannot watch the plugin root: it does not exist")
            }
            let watch = inotify_add_watch(inotify, root, Self.rootMask)
            guard watch >= 0 else {
                let code = errno
                let reason = code == ENOTDIR ? "it is not a folder" : Discovery.describe(code, path: root)
                throw WatchError(path: root, message: "cannot watch the plugin root: \(reason)")
            }
            roots[watch] = root
        }
        for root in roots.values {
            for folder in folders(in: root) {
                watchFolder(folder)
                seen[folder] = signature(of: folder)
            }
        }
        for status in host.plugins { watchOutside(status.folder) }
    }

    deinit {
        close(inotify)
    }

    // MARK: - The thread

    /// Waits for events and acts on them until `core.stopping`.
    ///
    /// Catching up with a caller of `waitUntilCaughtUp`: the caller takes a
    /// ticket, then writes a byte to the wake pipe. Each round empties the
    /// pipe, then reads the last ticket, then reads inotify. A change made
    /// before a ticket was taken is queued in inotify before the ticket's
    /// byte is written (the kernel queues the event inside the system call
    /// that made the change), so that round reads it; once no folder is
    /// pending (its action ran), the round's ticket is answered. A ticket
    /// taken after the read waits for a later round: its byte is still in
    /// the pipe, which wakes the next poll.
    func run(_ core: WatchCore) {
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        var drain = [UInt8](repeating: 0, count: 64)
        while !core.stopping.load(ordering: .acquiring) {
            var descriptors = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0), pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            let ready = poll(&descriptors, 2, timeoutMilliseconds())
            if ready < 0 && errno != EINTR {
                core.record(WatchEvent(id: "", kind: .failed, message: "poll failed, the watcher stops: \(errnoText())"))
                return
            }
            if core.stopping.load(ordering: .acquiring) { return }
            if ready > 0, descriptors[1].revents != 0 {
                while drain.withUnsafeMutableBytes({ read(wake, $0.baseAddress, $0.count) }) > 0 {}
            }
            let ticket = core.requested.load(ordering: .acquiring)
            let asked = ticket > core.answered.load(ordering: .relaxed)
            watchAdded(core)
            if asked || (ready > 0 && descriptors[0].revents != 0) { readEvents(&buffer) }
            runDue(core)
            watchAdded(core)  // folders the actions themselves added
            if asked && pending.isEmpty { core.caughtUp(to: ticket) }
        }
    }

    /// Milliseconds until the next pending folder is due, or -1 (wait for an event).
    private func timeoutMilliseconds() -> Int32 {
        guard let next = pending.values.min() else { return -1 }
        let left = next - ContinuousClock.now
        guard left > .zero else { return 0 }
        let (seconds, attoseconds) = left.components
        return Int32(min(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000, 60_000))
    }

    private func readEvents(_ buffer: inout [UInt8]) {
        while true {
            let count = buffer.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }
            buffer.withUnsafeBytes { bytes in
                var offset = 0
                while offset + 16 <= count {
                    let watch = bytes.loadUnaligned(fromByteOffset: offset, as: Int32.self)
                    let mask = bytes.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                    let length = Int(bytes.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
                    let nameBytes = bytes[(offset + 16)..<min(offset + 16 + length, count)]
                    let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
                    offset += 16 + length
                    handle(watch: watch, mask: mask, name: name)
                }
            }
        }
    }

    private func handle(watch: Int32, mask: UInt32, name: String) {
        if mask & UInt32(IN_Q_OVERFLOW) != 0 {
            rescan()
            return
        }
        if let root = roots[watch] {
            if mask & UInt32(IN_IGNORED) != 0 {
                roots[watch] = nil  // the root itself went away
                return
            }
            guard mask & UInt32(IN_ISDIR) != 0, !Self.isIgnored(name) else { return }
            let folder = Discovery.join(root, name)
            if mask & UInt32(IN_CREATE | IN_MOVED_TO) != 0 {
                watchFolder(folder)
                schedule(folder, appeared: true)
            } else {
                schedule(folder)
            }
        } else if let folder = folders[watch] {
            if mask & UInt32(IN_IGNORED) != 0 {
                folders[watch] = nil
                if watchOfFolder[folder] == watch { watchOfFolder[folder] = nil }
                schedule(folder)
                return
            }
            if name == "plugin.toml" || name == libraryName(folder) {
                schedule(folder)
            }
        }
    }

    private func schedule(_ folder: String, appeared: Bool = false) {
        pending[folder] = ContinuousClock.now + debounce
        if appeared { fresh.insert(folder) }
    }

    /// After lost events: every folder is looked at again (nothing happens to
    /// those whose files did not change).
    private func rescan() {
        var present: Set<String> = []
        for root in roots.values {
            for folder in folders(in: root) {
                present.insert(folder)
                let known = watchOfFolder[folder] != nil
                watchFolder(folder)
                schedule(folder, appeared: !known)
            }
        }
        for folder in outside where watchOfFolder[folder] == nil {
            watchFolder(folder)
            present.insert(folder)
            schedule(folder)
        }
        for folder in watchOfFolder.keys where !present.contains(folder) {
            schedule(folder)
        }
    }

    /// Watches the folders the host added since the last look.
    private func watchAdded(_ core: WatchCore) {
        let added = core.added.withLock { added in
            defer { added = [] }
            return added
        }
        for folder in added { watchOutside(folder) }
    }

    /// Watches a plugin folder the host has, when no root holds it and it is
    /// not watched yet: its library and manifest are then watched as those
    /// of a folder under a root.
    private func watchOutside(_ folder: String) {
        let folder = Discovery.absolutePath(folder)
        guard watchOfFolder[folder] == nil, !roots.values.contains(where: { Discovery.join($0, Discovery.lastComponent(folder)) == folder }) else { return }
        outside.insert(folder)
        watchFolder(folder)
        seen[folder] = signature(of: folder)
    }

    private func runDue(_ core: WatchCore) {
        let now = ContinuousClock.now
        let due = pending.filter { $0.value <= now }.sorted { $0.value < $1.value }
        for (folder, _) in due {
            if core.stopping.load(ordering: .acquiring) { return }
            // An event that came while an earlier action ran pushed it back.
            guard let current = pending[folder], current <= ContinuousClock.now else { continue }
            pending[folder] = nil
            act(on: folder, core)
        }
    }

    // MARK: - Actions

    /// Looks at `folder` as it is now and does what it calls for.
    private func act(on folder: String, _ core: WatchCore) {
        let id = Discovery.lastComponent(folder)
        switch Discovery.FileStatus.of(folder) {
        case .directory: break
        case .error: return  // cannot tell (eg permissions): leave the plugin as it is
        case .missing, .regularFile, .other:
            forget(folder)
            outside.remove(folder)
            guard let status = host.plugin(id), status.state == .loaded, Discovery.absolutePath(status.folder) == folder else { return }
            do {
                try host.unload(id)
                core.record(WatchEvent(id: id, kind: .unloaded, message: "\(folder) was removed"))
            } catch {
                core.record(WatchEvent(id: id, kind: .failed, message: "unload failed: \(error)"))
            }
            return
        }
        let appeared = fresh.contains(folder)
        if watchOfFolder[folder] == nil { watchFolder(folder) }
        let manifest = Discovery.join(folder, "plugin.toml")
        guard FileStamp.of(manifest) != nil else { return }  // not a plugin (yet)
        refreshLibraryName(folder)
        let library = Discovery.join(folder, libraryName(folder))
        // A missing library is between a delete and a rename: the rename's event comes next.
        guard let first = FileStamp.of(library) else { return }
        let firstManifest = FileStamp.of(manifest)
        sleep(for: Self.settle)
        let second = FileStamp.of(library)
        guard first == second, firstManifest == FileStamp.of(manifest) else {
            schedule(folder)  // still being written
            return
        }
        let now = Signature(library: second, manifest: firstManifest)
        let before = seen[folder]
        guard appeared || before != now else { return }
        seen[folder] = now
        fresh.remove(folder)

        let status = host.plugin(id)
        let ours = status.map { Discovery.absolutePath($0.folder) == folder } ?? false
        if let status, ours, status.state == .loaded {
            // Someone reloaded it already (`nekoctl dev`, a `reload` request): no second reload.
            if before?.manifest == now.manifest, host.runsCurrentLibrary(id) { return }
            switch host.reload(id) {
            case .success(let report):
                core.record(WatchEvent(id: id, kind: .reloaded, message: "generation \(report.generation) in \(report.duration.millisecondsText), \(report.stateBytes) bytes of state handed over"))
            case .failure(let failure):
                core.record(WatchEvent(id: id, kind: .failed, message: "reload failed at \(failure.phase): \(failure.message); the running generation goes on", phase: failure.phase))
            }
            return
        }
        var loadable = appeared || status == nil || !ours
        if let status, case .failed = status.state { loadable = true }
        guard loadable else { return }  // stopped or disabled on purpose: left as it is
        switch host.load(folder: folder) {
        case .success:
            core.record(WatchEvent(id: id, kind: .loaded, message: "loaded from \(folder)"))
        case .failure(let failure):
            core.record(WatchEvent(id: id, kind: .failed, message: "load failed at \(failure.phase): \(failure.message)", phase: failure.phase))
        }
    }

    // MARK: - Folders

    /// The folders directly in `root`, except ignored names.
    private func folders(in root: String) -> [String] {
        guard case .names(let names) = Discovery.listFolder(root) else { return [] }
        return names.sorted().filter { !Self.isIgnored($0) }.map { Discovery.join(root, $0) }.filter {
            if case .directory = Discovery.FileStatus.of($0) { return true }
            return false
        }
    }

    private func watchFolder(_ folder: String) {
        let watch = inotify_add_watch(inotify, folder, Self.folderMask)
        guard watch >= 0 else { return }  // gone already, or not a folder: nothing to watch
        // Moving a watched folder keeps its watch: the same descriptor comes back.
        if let old = folders[watch], old != folder, watchOfFolder[old] == watch { watchOfFolder[old] = nil }
        folders[watch] = folder
        watchOfFolder[folder] = watch
        refreshLibraryName(folder)
    }

    private func forget(_ folder: String) {
        if let watch = watchOfFolder.removeValue(forKey: folder), folders[watch] == folder {
            folders[watch] = nil
            inotify_rm_watch(inotify, watch)
        }
        libraryNames[folder] = nil
        seen[folder] = nil
        pending[folder] = nil
        fresh.remove(folder)
    }

    /// The library file name `plugin.toml` gives, or `lib<folder name>.so`.
    private func libraryName(_ folder: String) -> String {
        libraryNames[folder] ?? "lib\(Discovery.lastComponent(folder)).so"
    }

    /// Reads the library name from `plugin.toml`; one that cannot be read
    /// (eg its library is missing right now) keeps the name known before.
    private func refreshLibraryName(_ folder: String) {
        if let manifest = try? PluginManifest.load(folder: folder) {
            libraryNames[folder] = manifest.library
        }
    }

    private func signature(of folder: String) -> Signature {
        Signature(library: FileStamp.of(Discovery.join(folder, libraryName(folder))),
                  manifest: FileStamp.of(Discovery.join(folder, "plugin.toml")))
    }

    /// Hidden names, `*.tmp` and editor leftovers: never plugin folders.
    static func isIgnored(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasPrefix("#") || name.hasSuffix("~") || name.hasSuffix(".tmp")
            || name.hasSuffix(".swp") || name.hasSuffix(".swx") || name.hasSuffix(".part") || name == "4913"
    }

    private func sleep(for duration: Duration) {
        let (seconds, attoseconds) = duration.components
        var pause = timespec(tv_sec: Int(seconds), tv_nsec: Int(attoseconds / 1_000_000_000))
        var left = timespec()
        while nanosleep(&pause, &left) != 0 && errno == EINTR { pause = left }
    }
}

/// What `stat` says of a file, enough to tell that it changed.
struct FileStamp: Equatable {
    var inode: UInt
    var size: Int
    var modified: Int
    var changed: Int

    /// The file's stamp, or nil when it is missing or not a regular file.
    static func of(_ path: String) -> FileStamp? {
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        return FileStamp(
            inode: UInt(info.st_ino), size: Int(info.st_size),
            modified: Int(info.st_mtim.tv_sec) &* 1_000_000_000 &+ Int(info.st_mtim.tv_nsec),
            changed: Int(info.st_ctim.tv_sec) &* 1_000_000_000 &+ Int(info.st_ctim.tv_nsec))
    }
}
