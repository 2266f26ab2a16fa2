import Foundation

/// An exclusive lock on a plugin root, held while one `nekoctl install`,
/// `rollback` or `uninstall` changes it: `flock(2)` on the root folder itself,
/// so no lock file is left behind, and a crashed holder's lock is released
/// with its process.
final class RootLock {
    private let descriptor: Int32

    /// Waits for the lock on `root`, making the folder if it does not exist.
    init(root: String) throws(PackageError) {
        do {
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        } catch {
            throw PackageError("cannot create the plugin root \(root): \(error.localizedDescription)")
        }
        descriptor = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw PackageError("cannot open the plugin root \(root): \(String(cString: strerror(errno)))")
        }
        while flock(descriptor, LOCK_EX) != 0 {
            guard errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw PackageError("cannot lock the plugin root \(root): \(reason)")
            }
        }
    }

    deinit {
        close(descriptor)
    }
}
