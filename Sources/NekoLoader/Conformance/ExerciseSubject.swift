import Foundation
import Logging
@_spi(Neko) import NekoCore

/// The plugin a conformance run exercises: its folder, and fresh hosts that
/// run it in a worker process (so a crash is a finding, never the checker's
/// end). It runs a copy of what the plugin needs (`PluginFiles`); the plugins it depends on are found
/// beside the original, and loaded first.
/// Every check gets a host of its own: a crash or a broken instance in
/// one check does not spill into the next.
package struct ExerciseSubject: Sendable {
    /// The plugin folder, as given.
    package let original: String
    /// The copy of it the checks run (a plugin may write beside its
    /// plugin.toml, eg its settings: the original is never written).
    let folder: String
    /// Entries not to call, eg an example's deliberate crashes ("segfault").
    package let skippedEntries: Set<String>
    /// The deadline of each call a check makes (the 1 ms check excepted).
    package let callTimeout: Duration
    let options: HostOptions

    /// Prepares to exercise the plugin in `folder`: copies it under
    /// `scratch` (a folder the caller removes), where the hosts' library
    /// cache and data go too.
    /// - Throws: a `LoadFailure` naming the folder when it cannot be copied.
    package init(folder: String, scratch: String, workerExecutable: String?, skippedEntries: Set<String> = [], callTimeout: Duration = .seconds(1)) throws(LoadFailure) {
        original = folder
        let copyRoot = "\(scratch)/plugins"
        let copy = "\(copyRoot)/\((folder as NSString).standardizingPath.split(separator: "/").last.map(String.init) ?? "plugin")"
        do {
            try FileManager.default.createDirectory(atPath: copyRoot, withIntermediateDirectories: true)
            if let manifest = try? PluginManifest.load(folder: folder) {
                try PluginFiles.copy(manifest, to: copy)  // what the plugin needs, not its build folders or data
            } else {
                try FileManager.default.copyItem(atPath: folder, toPath: copy)  // a manifest the checks report on
            }
        } catch let error as LoadFailure {
            throw LoadFailure(.manifest, "\(folder): cannot copy the plugin folder to exercise it: \(error.message)")
        } catch {
            throw LoadFailure(.manifest, "\(folder): cannot copy the plugin folder to exercise it: \(error)")
        }
        self.folder = copy
        self.skippedEntries = skippedEntries
        self.callTimeout = callTimeout
        // The copy's root first, then the original's, so that the plugins it depends on load first.
        var options = HostOptions(roots: [copyRoot, (folder as NSString).deletingLastPathComponent])
        options.cacheDirectory = "\(scratch)/cache"
        options.dataRoot = "\(scratch)/data"
        options.isolateAll = true
        options.workerExecutable = workerExecutable
        options.hostName = "nekoctl check --exercise"
        options.hangGrace = .milliseconds(500)
        options.drainTimeout = .seconds(2)
        options.restartPolicy.maximumCrashes = 0
        options.workerEnvironment = ["SWIFT_BACKTRACE": "enable=no"]
        options.logger = Logger(label: "neko.check") { _ in SwiftLogNoOpLogHandler() }
        self.options = options
    }

    /// A host over the folder's root, not yet loading anything.
    func makeHost() -> PluginHost {
        let host = PluginHost(options: options)
        host.discover()
        return host
    }

    /// A running host with the plugin loaded, for one check.
    struct Session {
        let host: PluginHost
        let id: String
        let loaded: LoadedPlugin

        /// The entries a check calls.
        let entries: [EntryInfo]

        /// Calls `entry` with `arguments`, blocking.
        func call(_ entry: EntryInfo, _ arguments: JSON, timeout: Duration) -> Result<[UInt8], CallError> {
            do {
                return .success(try host.entry(id, entry.id).callBlocking(arguments.serialized(), timeout: timeout))
            } catch {
                return .failure(error)
            }
        }

        /// The contract violations the plugin committed in this session.
        var violations: Int { loaded.binding.ledger.violations }
    }

    /// Loads the plugin in a fresh host and runs `body`; the host is shut
    /// down after. - Returns: `body`'s finding, or a skip when it does not load.
    func withSession(_ check: String, _ body: (Session) -> CheckFinding) -> CheckFinding {
        let host = makeHost()
        defer { host.shutdown() }
        let id: String
        switch host.load(folder: folder) {
        case .success(let loaded): id = loaded
        case .failure(let failure): return CheckFinding(check: check, result: .skip, detail: "the plugin does not load (\(failure))")
        }
        guard let loaded = try? host.running(id, loadOnDemand: false) else {
            return CheckFinding(check: check, result: .skip, detail: "the plugin stopped before the check began")
        }
        let entries = loaded.library.entries.filter { !skippedEntries.contains($0.id) }
        return body(Session(host: host, id: id, loaded: loaded, entries: entries))
    }
}

extension CallError {
    /// Whether the plugin crashed or broke the ABI (not an error it chose).
    var isBreakage: Bool { code == .crashed || code == .internal }

    /// "plugin_crashed: ..." for details.
    var summary: String { "\(code): \(message)" }
}
