@_spi(Neko) import NekoCore
import Synchronization

/// The observers of a host's added folders, by token.
struct FolderObservers {
    var next = 0
    var byToken: [Int: @Sendable (String) -> Void] = [:]
}

extension PluginHost {
    /// Calls `observer` with the folder of every plugin added from now on
    /// with ``load(folder:)`` (after it is registered, before it loads), on
    /// the thread that adds it: a `PluginWatcher` watches it. Remove it with
    /// ``removeFolderObserver(_:)``.
    /// - Returns: the token that removes it.
    package func addFolderObserver(_ observer: @escaping @Sendable (String) -> Void) -> Int {
        folderObservers.withLock { observers in
            observers.next += 1
            observers.byToken[observers.next] = observer
            return observers.next
        }
    }

    /// Stops calling the observer `token` names.
    package func removeFolderObserver(_ token: Int) {
        _ = folderObservers.withLock { $0.byToken.removeValue(forKey: token) }
    }

    /// Tells the observers that `folder` was added (outside every lock).
    func announce(folder: String) {
        let observers = folderObservers.withLock { Array($0.byToken.values) }
        for observer in observers { observer(folder) }
    }

    /// Whether plugin `id` runs now, from the library file its folder holds
    /// now: its running generation was copied from this very file (same
    /// device, inode, size and times). A watcher that sees a library change
    /// someone already reloaded (`nekoctl dev`, a `reload` request) needs no
    /// second reload.
    package func runsCurrentLibrary(_ id: String) -> Bool {
        guard let (copy, source) = registry.withLock({ registry -> (String, String)? in
            guard let record = registry.record(id), let loaded = record.loaded else { return nil }
            return (loaded.library.path, loaded.manifest.libraryPath)
        }) else { return false }
        guard let identity = try? LibraryCopy.identity(of: source) else { return false }
        return Discovery.lastComponent(copy).hasPrefix("\(identity.key)-")
    }
}
