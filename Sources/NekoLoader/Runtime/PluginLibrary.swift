#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore

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
    /// The compiled argument schema of each entry that asks the host to
    /// check its arguments (`NEKO_ENTRY_VALIDATE_ARGS`), else nil; by index.
    let validators: [JSONSchemaValidator?]
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

    /// How the plugin's build configuration differs from this host's, eg
    /// `"built in debug, this host in release: it runs unoptimized; rebuild it with -c release"`;
    /// nil when they agree, or when the plugin does not say (C, an SDK before 0.2).
    var configurationMismatch: String? {
        let words = sdk.split(separator: " ")
        guard words.count == 3, words[0] == "NekoPlugin", case let built = String(words[2]),
              ["debug", "release"].contains(built), built != BuildStamp.configuration else { return nil }
        let speed = built == "debug" ? "it runs unoptimized" : "it cannot be debugged as the host can"
        return "built in \(built), this host in \(BuildStamp.configuration): \(speed); rebuild it with -c \(BuildStamp.configuration)"
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
        // Only `struct_size` and `abi` are read until the version rule passes:
        // a descriptor of another major may be laid out otherwise, and one
        // shorter than 1.0 lacks fields.
        let abi = UnsafeRawPointer(descriptor).load(fromByteOffset: MemoryLayout<neko_plugin>.offset(of: \.abi)!, as: neko_abi_version.self)
        try VersionRule.check(manifest, descriptor: .init(abi: .init(major: abi.major, minor: abi.minor), size: descriptor.structSize))
        // From here on, every 1.0 field is there; none is read past it (the
        // descriptor may be longer or shorter than this host's `neko_plugin`).
        let swiftVersion = descriptor.pointee.swift_version.map { String(cString: $0) }
        if let swiftVersion, swiftVersion != BuildStamp.swiftCompiler {
            throw LoadFailure(.abi, "\(library): built by Swift \(swiftVersion), this host by Swift \(BuildStamp.swiftCompiler); Swift has no stable ABI on Linux: rebuild the plugin with Swift \(BuildStamp.swiftCompiler)")
        }
        // NULL: the manifest's id stands (a Swift plugin that declares no id).
        if let id = descriptor.pointee.plugin_id.map({ String(cString: $0) }), id != manifest.id {
            throw LoadFailure(.register, "\(library): the library says it is plugin '\(id)', \(manifest.manifestPath) says '\(manifest.id)'")
        }
        if let version = descriptor.pointee.plugin_version.map({ String(cString: $0) }), version != manifest.version {
            throw LoadFailure(.register, "\(library): the library is version \(version), \(manifest.manifestPath) says \(manifest.version) (a stale build?)")
        }
        guard descriptor.pointee.create != nil, descriptor.pointee.invoke != nil, descriptor.pointee.destroy != nil else {
            throw LoadFailure(.register, "\(library): the descriptor lacks create, invoke or destroy, which are mandatory")
        }
        let timers = try readTimers(descriptor, library: library)
        let entries = try readEntries(descriptor, library: library)
        var index: [String: Int] = [:]
        for (position, entry) in entries.enumerated() {
            if index.updateValue(position, forKey: entry.id) != nil {
                throw LoadFailure(.register, "\(library): entry id '\(entry.id)' is declared twice")
            }
        }
        var validators: [JSONSchemaValidator?] = []
        for entry in entries {
            guard entry.validatesArguments else {
                validators.append(nil)
                continue
            }
            do { validators.append(try JSONSchemaValidator(entry.schema)) } catch {
                throw LoadFailure(.register, "\(library): entry '\(entry.id)' asks the host to check its arguments (NEKO_ENTRY_VALIDATE_ARGS), but its args_schema cannot be used: \(error)")
            }
        }
        return PluginLibrary(
            descriptor: descriptor, path: path, entries: entries, index: index, validators: validators, timers: timers, swiftVersion: swiftVersion,
            sdk: descriptor.pointee.sdk.map { String(cString: $0) } ?? "unknown")
    }

    /// Reads an entry's or timer's id.
    private static func itemID(_ raw: UnsafePointer<CChar>?, kind: String, _ position: Int, _ library: String) throws(LoadFailure) -> String {
        guard let raw, case let id = String(cString: raw), EntryInfo.isValidID(id) else {
            throw LoadFailure(.register, "\(library): \(kind) #\(position) has no valid id (expected [A-Za-z0-9_.-]{1,128})")
        }
        return id
    }

    /// The plugin's array of `count` items, checked for the stride rule (neko_abi.h).
    private static func declared<Item>(
        _ list: UnsafePointer<Item>?, count: UInt32, kind: String, _ library: String
    ) throws(LoadFailure) -> DeclaredArray<Item> {
        do { return try DeclaredArray(list, count: count, kind: kind) } catch {
            throw LoadFailure(.register, "\(library): \(error.message)")
        }
    }

    private static func readTimers(_ descriptor: UnsafePointer<neko_plugin>, library: String) throws(LoadFailure) -> [TimerInfo] {
        let count = descriptor.pointee.timer_count
        guard count > 0 else { return [] }
        guard descriptor.pointee.timers != nil, descriptor.pointee.on_timer != nil else {
            throw LoadFailure(.register, "\(library): timer_count is \(count) but timers or on_timer is NULL")
        }
        let list = try declared(descriptor.pointee.timers, count: count, kind: "timer", library)
        var seen = Set<String>()
        var timers: [TimerInfo] = []
        for position in 0..<list.count {
            let timer = list[position]
            let id = try itemID(timer.pointee.id, kind: "timer", position, library)
            guard seen.insert(id).inserted else {
                throw LoadFailure(.register, "\(library): timer id '\(id)' is declared twice")
            }
            let interval = timer.pointee.interval_ms
            guard (1...maximumTimerInterval).contains(interval) else {
                throw LoadFailure(.register, "\(library): timer '\(id)' has interval_ms \(interval) (expected 1 to \(maximumTimerInterval), a year)")
            }
            timers.append(TimerInfo(
                id: id, interval: .milliseconds(Int64(clamping: interval)),
                autoStart: timer.pointee.flags & UInt32(NEKO_TIMER_AUTO_START) != 0))
        }
        return timers
    }

    private static func readEntries(_ descriptor: UnsafePointer<neko_plugin>, library: String) throws(LoadFailure) -> [EntryInfo] {
        let count = descriptor.pointee.entry_count
        guard count == 0 || descriptor.pointee.entries != nil else {
            throw LoadFailure(.register, "\(library): entry_count is \(count) but entries is NULL")
        }
        let list = try declared(descriptor.pointee.entries, count: count, kind: "entry", library)
        var entries: [EntryInfo] = []
        for position in 0..<list.count {
            let entry = list[position]
            let id = try itemID(entry.pointee.id, kind: "entry", position, library)
            var schema: JSON = ["type": "object"]
            if let text = entry.pointee.args_schema {
                do { schema = try JSON.parse(String(cString: text)) } catch {
                    throw LoadFailure(.register, "\(library): entry '\(id)': args_schema is not valid JSON: \(error)")
                }
            }
            // 1.1 fields, read only when the plugin's entry reaches them.
            var resultSchema: JSON?
            if let text = entry.field(\.result_schema) {
                do { resultSchema = try JSON.parse(String(cString: text)) } catch {
                    throw LoadFailure(.register, "\(library): entry '\(id)': result_schema is not valid JSON: \(error)")
                }
            }
            let flags = entry.pointee.flags
            entries.append(EntryInfo(
                id: id, name: entry.pointee.name.map { String(cString: $0) } ?? id,
                description: entry.pointee.description.map { String(cString: $0) } ?? "",
                schema: schema, isAsync: flags & UInt32(NEKO_ENTRY_ASYNC) != 0,
                timeout: entry.pointee.timeout_ms == 0 ? nil : .milliseconds(Int64(entry.pointee.timeout_ms)),
                resultSchema: resultSchema, hints: EntryHints(rawValue: entry.has(\.hints) ? entry.pointee.hints : 0),
                validatesArguments: flags & UInt32(NEKO_ENTRY_VALIDATE_ARGS) != 0))
        }
        return entries
    }
}
