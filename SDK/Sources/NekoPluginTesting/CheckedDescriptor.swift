import NekoABI
@_spi(Neko) import NekoCore

/// A plugin's descriptor, read and checked as a host checks it before it
/// calls anything (the ABI version, the Swift compiler, the id and version
/// against the manifest, the mandatory functions, entry and timer ids and
/// intervals), so that a plugin the host would refuse fails in the harness too.
struct CheckedDescriptor: @unchecked Sendable {  // the descriptor is constant and lives for ever
    /// An entry, as the harness calls it.
    struct EntryInfo: Sendable {
        var id: String
        /// The compiled argument schema, when the entry asks the host to check its arguments.
        var validator: JSONSchemaValidator?
    }

    /// A timer, as the harness runs it.
    struct TimerInfo: Sendable {
        var id: String
        var interval: Duration
        var autoStart: Bool
    }

    let pointer: UnsafePointer<neko_plugin>
    let entries: [EntryInfo]
    let timers: [TimerInfo]

    /// The longest timer interval a host accepts: a year.
    static let maximumTimerInterval: UInt64 = 365 * 24 * 3600 * 1000

    init(_ descriptor: UnsafePointer<neko_plugin>, manifest: HarnessManifest) throws(HarnessLoadError) {
        func refuse(_ message: String) -> HarnessLoadError { HarnessLoadError(phase: "register", message) }
        pointer = descriptor
        guard descriptor.isAtLeast1_0 else { throw refuse("the descriptor is \(neko_plugin.tooShort(descriptor.structSize))") }
        let abi = descriptor.pointee.abi
        guard abi.major == BuildStamp.abi.major else {
            throw refuse("the plugin was built for ABI \(abi.major).\(abi.minor), this host has \(BuildStamp.abi.major).\(BuildStamp.abi.minor)")
        }
        if let swift = descriptor.pointee.swift_version.map({ String(cString: $0) }), swift != BuildStamp.swiftCompiler {
            throw refuse("built by Swift \(swift), the host by Swift \(BuildStamp.swiftCompiler)")
        }
        if let id = descriptor.pointee.plugin_id.map({ String(cString: $0) }), id != manifest.id {
            throw refuse("the library says it is plugin '\(id)', the manifest says '\(manifest.id)'")
        }
        if let version = descriptor.pointee.plugin_version.map({ String(cString: $0) }), version != manifest.version {
            throw refuse("the library is version \(version), the manifest says \(manifest.version) (a stale build?)")
        }
        guard descriptor.pointee.create != nil, descriptor.pointee.invoke != nil, descriptor.pointee.destroy != nil else {
            throw refuse("the descriptor lacks create, invoke or destroy, which are mandatory")
        }
        entries = try Self.readEntries(descriptor)
        timers = try Self.readTimers(descriptor)
    }

    private static func readEntries(_ descriptor: UnsafePointer<neko_plugin>) throws(HarnessLoadError) -> [EntryInfo] {
        func refuse(_ message: String) -> HarnessLoadError { HarnessLoadError(phase: "register", message) }
        let list: DeclaredArray<neko_entry>
        do { list = try DeclaredArray(descriptor.pointee.entries, count: descriptor.pointee.entry_count, kind: "entry") } catch {
            throw refuse(error.message)
        }
        var entries: [EntryInfo] = []
        var seen = Set<String>()
        for position in 0..<list.count {
            let entry = list[position]
            let id = try itemID(entry.pointee.id, kind: "entry", position)
            guard seen.insert(id).inserted else { throw refuse("entry id '\(id)' is declared twice") }
            var validator: JSONSchemaValidator?
            var schema: JSON = ["type": "object"]
            if let text = entry.pointee.args_schema {
                do { schema = try JSON.parse(String(cString: text)) } catch {
                    throw refuse("entry '\(id)': args_schema is not valid JSON: \(error)")
                }
            }
            if entry.pointee.flags & UInt32(NEKO_ENTRY_VALIDATE_ARGS) != 0 {
                do { validator = try JSONSchemaValidator(schema) } catch {
                    throw refuse("entry '\(id)' asks the host to check its arguments, but its args_schema cannot be used: \(error)")
                }
            }
            if let text = entry.field(\.result_schema), (try? JSON.parse(String(cString: text))) == nil {
                throw refuse("entry '\(id)': result_schema is not valid JSON")
            }
            entries.append(EntryInfo(id: id, validator: validator))
        }
        return entries
    }

    private static func readTimers(_ descriptor: UnsafePointer<neko_plugin>) throws(HarnessLoadError) -> [TimerInfo] {
        func refuse(_ message: String) -> HarnessLoadError { HarnessLoadError(phase: "register", message) }
        let count = descriptor.pointee.timer_count
        guard count > 0 else { return [] }
        guard descriptor.pointee.timers != nil, descriptor.pointee.on_timer != nil else {
            throw refuse("timer_count is \(count) but timers or on_timer is NULL")
        }
        let list: DeclaredArray<neko_timer>
        do { list = try DeclaredArray(descriptor.pointee.timers, count: count, kind: "timer") } catch { throw refuse(error.message) }
        var timers: [TimerInfo] = []
        for position in 0..<list.count {
            let timer = list[position]
            let id = try itemID(timer.pointee.id, kind: "timer", position)
            guard !timers.contains(where: { $0.id == id }) else { throw refuse("timer id '\(id)' is declared twice") }
            let interval = timer.pointee.interval_ms
            guard (1...maximumTimerInterval).contains(interval) else {
                throw refuse("timer '\(id)' has interval_ms \(interval) (expected 1 to \(maximumTimerInterval), a year)")
            }
            timers.append(TimerInfo(
                id: id, interval: .milliseconds(Int64(interval)), autoStart: timer.pointee.flags & UInt32(NEKO_TIMER_AUTO_START) != 0))
        }
        return timers
    }

    /// An entry's or timer's id: `[A-Za-z0-9_.-]{1,128}`.
    private static func itemID(_ raw: UnsafePointer<CChar>?, kind: String, _ position: Int) throws(HarnessLoadError) -> String {
        guard let raw, case let id = String(cString: raw), (1...128).contains(id.utf8.count),
              id.utf8.allSatisfy({ isIDByte($0) }) else {
            throw HarnessLoadError(phase: "register", "\(kind) #\(position) has no valid id (expected [A-Za-z0-9_.-]{1,128})")
        }
        return id
    }

    private static func isIDByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
             UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "-"):
            true
        default: false
        }
    }
}
