#if canImport(Glibc)
import Glibc
#endif
import NekoABI
import NekoCore

/// A plugin library opened and checked: its descriptor, read and validated
/// before any of its functions is called.
///
/// Libraries are never closed: the Swift runtime keeps a closed Swift image
/// registered, and the next dynamic cast in a reloaded copy crashes
/// (ABI-LESSONS.md, rule 10).
struct PluginLibrary: @unchecked Sendable {
    // The descriptor is constant and lives as long as the mapping, which is for ever.
    let descriptor: UnsafePointer<neko_plugin>
    /// The path that was opened (the private copy).
    let path: String
    /// The entries, as Swift values, in the descriptor's order.
    let entries: [EntryInfo]
    /// Entry index by id.
    let index: [String: Int]
    /// The interval timers, in the descriptor's order.
    let timers: [TimerInfo]
    /// The Swift compiler that built the plugin, or nil for a plugin without Swift.
    let swiftVersion: String?
    /// What built the descriptor, eg "NekoPlugin 0.1.0" or "c".
    let sdk: String
    /// The worker process that runs it, for an isolated plugin.
    var worker: WorkerConnection?
    /// The host-made descriptor that stands for it, for an isolated plugin.
    var proxy: ProxyDescriptor?

    /// The longest timer interval a plugin may ask for: a year, in ms.
    static let maximumTimerInterval: UInt64 = 365 * 24 * 3600 * 1000

    /// The smallest descriptor this host can read: ABI 1.0's.
    static let minimumDescriptorSize = MemoryLayout<neko_plugin>.size

    /// Opens `path` (a private copy of `manifest`'s library), calls its
    /// `neko_plugin_register`, and checks what it returns against `manifest`.
    static func open(_ path: String, for manifest: PluginManifest, hostName: String) throws(LoadFailure) -> PluginLibrary {
        switch PluginImage.register(path, hostName: hostName) {
        case .success(let descriptor):
            return try check(descriptor, path: path, manifest: manifest)
        case .failure(let failure):
            throw LoadFailure(failure.phase == "register" ? .register : .open, "\(manifest.libraryPath): \(failure.message)")
        }
    }

    /// Starts a worker process that opens `path` (a private copy of
    /// `manifest`'s library) and registers the plugin, then checks the
    /// descriptor it reports exactly as `open` checks an in-process one.
    static func openIsolated(_ path: String, for manifest: PluginManifest, options: HostOptions) throws(LoadFailure) -> PluginLibrary {
        let (worker, message) = try WorkerConnection.start(manifest, libraryCopy: path, options: options)
        let proxy = ProxyDescriptor(message)
        do {
            var library = try check(UnsafePointer(proxy.plugin), path: path, manifest: manifest)
            library.worker = worker
            library.proxy = proxy
            return library
        } catch {
            worker.kill(because: "its plugin failed the host's checks")
            throw error
        }
    }

    /// Ends the worker of a library that will not be used (a failed load or reload).
    func discard(_ reason: String) {
        worker?.expectExit()
        worker?.kill(because: reason)
    }

    private static func check(_ descriptor: UnsafePointer<neko_plugin>, path: String, manifest: PluginManifest) throws(LoadFailure) -> PluginLibrary {
        let library = manifest.libraryPath
        // Only `struct_size` and `abi` are read until they pass: a descriptor
        // of another major may be shorter than ours.
        let raw = UnsafeRawPointer(descriptor)
        let size = raw.load(fromByteOffset: MemoryLayout<neko_plugin>.offset(of: \.struct_size)!, as: UInt32.self)
        let abi = raw.load(fromByteOffset: MemoryLayout<neko_plugin>.offset(of: \.abi)!, as: neko_abi_version.self)
        let host = BuildStamp.abi
        guard abi.major == host.major, abi.minor <= host.minor else {
            throw LoadFailure(.abi, "\(library): built for ABI \(abi.major).\(abi.minor), this host speaks ABI \(host.major).\(host.minor) (major must be \(host.major), minor at most \(host.minor))")
        }
        guard abi.major == manifest.abi.major, abi.minor == manifest.abi.minor else {
            throw LoadFailure(.abi, "\(library): built for ABI \(abi.major).\(abi.minor), but \(manifest.manifestPath) says [plugin].abi = \"\(manifest.abi)\"; they must agree")
        }
        guard Int(size) >= minimumDescriptorSize else {
            throw LoadFailure(.abi, "\(library): descriptor struct_size is \(size) bytes, ABI \(abi.major).\(abi.minor) needs at least \(minimumDescriptorSize)")
        }
        let plugin = descriptor.pointee
        let swiftVersion = plugin.swift_version.map { String(cString: $0) }
        if let swiftVersion, swiftVersion != BuildStamp.swiftCompiler {
            throw LoadFailure(.abi, "\(library): built by Swift \(swiftVersion), this host by Swift \(BuildStamp.swiftCompiler); Swift has no stable ABI on Linux: rebuild the plugin with Swift \(BuildStamp.swiftCompiler)")
        }
        let id = plugin.plugin_id.map { String(cString: $0) } ?? ""
        guard id == manifest.id else {
            throw LoadFailure(.register, "\(library): the library says it is plugin '\(id)', \(manifest.manifestPath) says '\(manifest.id)'")
        }
        if let version = plugin.plugin_version.map({ String(cString: $0) }), version != manifest.version {
            throw LoadFailure(.register, "\(library): the library is version \(version), \(manifest.manifestPath) says \(manifest.version) (a stale build?)")
        }
        guard plugin.create != nil, plugin.invoke != nil, plugin.destroy != nil else {
            throw LoadFailure(.register, "\(library): the descriptor lacks create, invoke or destroy, which are mandatory")
        }
        let timers = try readTimers(plugin, library: library)
        let entries = try readEntries(plugin, library: library)
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() {
            if index.updateValue(position, forKey: entry.id) != nil {
                throw LoadFailure(.register, "\(library): entry id '\(entry.id)' is declared twice")
            }
        }
        return PluginLibrary(
            descriptor: descriptor, path: path, entries: entries, index: index, timers: timers, swiftVersion: swiftVersion,
            sdk: plugin.sdk.map { String(cString: $0) } ?? "unknown")
    }

    /// Checks an entry's or timer's `struct_size` and reads its id.
    private static func itemID<Item>(
        _ raw: UnsafePointer<CChar>?, size: UInt32, of type: Item.Type, kind: String, _ position: Int, _ library: String
    ) throws(LoadFailure) -> String {
        guard Int(size) >= MemoryLayout<Item>.size else {
            throw LoadFailure(.register, "\(library): \(kind) #\(position) has struct_size \(size), expected at least \(MemoryLayout<Item>.size)")
        }
        guard let raw, case let id = String(cString: raw), EntryInfo.isValidID(id) else {
            throw LoadFailure(.register, "\(library): \(kind) #\(position) has no valid id (expected [A-Za-z0-9_.-]{1,128})")
        }
        return id
    }

    private static func readTimers(_ plugin: neko_plugin, library: String) throws(LoadFailure) -> [TimerInfo] {
        guard plugin.timer_count > 0 else { return [] }
        guard plugin.timers != nil, plugin.on_timer != nil else {
            throw LoadFailure(.register, "\(library): timer_count is \(plugin.timer_count) but timers or on_timer is NULL")
        }
        var seen = Set<String>()
        var timers: [TimerInfo] = []
        for position in 0..<Int(plugin.timer_count) {
            let timer = plugin.timers[position]
            let id = try itemID(timer.id, size: timer.struct_size, of: neko_timer.self, kind: "timer", position, library)
            guard seen.insert(id).inserted else {
                throw LoadFailure(.register, "\(library): timer id '\(id)' is declared twice")
            }
            guard (1...maximumTimerInterval).contains(timer.interval_ms) else {
                throw LoadFailure(.register, "\(library): timer '\(id)' has interval_ms \(timer.interval_ms) (expected 1 to \(maximumTimerInterval), a year)")
            }
            timers.append(TimerInfo(
                id: id, interval: .milliseconds(Int64(clamping: timer.interval_ms)),
                autoStart: timer.flags & UInt32(NEKO_TIMER_AUTO_START) != 0))
        }
        return timers
    }

    private static func readEntries(_ plugin: neko_plugin, library: String) throws(LoadFailure) -> [EntryInfo] {
        guard plugin.entry_count == 0 || plugin.entries != nil else {
            throw LoadFailure(.register, "\(library): entry_count is \(plugin.entry_count) but entries is NULL")
        }
        var entries: [EntryInfo] = []
        for position in 0..<Int(plugin.entry_count) {
            let entry = plugin.entries[position]
            let id = try itemID(entry.id, size: entry.struct_size, of: neko_entry.self, kind: "entry", position, library)
            var schema: JSON = ["type": "object"]
            if let text = entry.args_schema {
                do { schema = try JSON.parse(String(cString: text)) } catch {
                    throw LoadFailure(.register, "\(library): entry '\(id)': args_schema is not valid JSON: \(error)")
                }
            }
            entries.append(EntryInfo(
                id: id, name: entry.name.map { String(cString: $0) } ?? id,
                description: entry.description.map { String(cString: $0) } ?? "",
                schema: schema, isAsync: entry.flags & UInt32(NEKO_ENTRY_ASYNC) != 0,
                timeout: entry.timeout_ms == 0 ? nil : .milliseconds(Int64(entry.timeout_ms))))
        }
        return entries
    }
}
