#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// The argument of `neko_plugin_register`: what the host says about itself.
public typealias HostInfo = UnsafePointer<neko_host_info>?

/// The result of `neko_plugin_register`: the plugin's constant descriptor.
public typealias Descriptor = UnsafePointer<neko_plugin>?

/// Exports plugin type `P`: call it from the one C symbol a plugin exports.
///
/// ```swift
/// @c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Greeter.self) }
/// ```
/// The descriptor is built once and lives as long as the library. The
/// function must be `public`: a release build keeps no other symbol in the
/// library's exports, and the host finds nothing to call.
public func export<P: Plugin>(_ type: P.Type) -> Descriptor {
    Exported.descriptor(for: P.self)
}

/// Exports plugin type `P`; `host` is not needed (the same as ``export(_:)``).
public func export<P: Plugin>(_ type: P.Type, _ host: HostInfo) -> Descriptor {
    Exported.descriptor(for: P.self)
}

/// The plugin type this library exports, and its descriptor, built on first use.
package enum Exported {
    /// Makes instances of the exported type; the C thunks cannot capture `P`.
    private struct Factory: @unchecked Sendable {
        // The descriptor is immutable and lives as long as the library.
        let make: @Sendable (HostTable) throws -> AnyInstance
        let descriptor: UnsafePointer<neko_plugin>
        let type: ObjectIdentifier
    }
    private static let exported = Mutex<Factory?>(nil)

    static func descriptor<P: Plugin>(for type: P.Type) -> Descriptor {
        exported.withLock { factory in
            if let factory {
                // One library exports one plugin type.
                return factory.type == ObjectIdentifier(P.self) ? factory.descriptor : nil
            }
            let made = Factory(make: { try Instance<P>(host: $0) }, descriptor: build(P.self), type: ObjectIdentifier(P.self))
            factory = made
            return made.descriptor
        }
    }

    static func makeInstance(_ host: HostTable) throws -> AnyInstance {
        if let factory = hosted.withLock({ $0.bound[UInt(bitPattern: host.pointer)] }) {
            return try factory.make(host)
        }
        guard let factory = exported.withLock({ $0 }) else {
            throw CallError(.internal, "create was called before neko_plugin_register")
        }
        return try factory.make(host)
    }

    // MARK: - Hosts inside the process (NekoPluginTesting)

    /// The plugin types hosted in this process without `neko_plugin_register`
    /// (a test links several plugins, whose one exported symbol it cannot
    /// call by name): each type's descriptor, and which type `create` makes
    /// for a given host table.
    private struct Hosted: @unchecked Sendable {  // descriptors are immutable and live for ever
        var factories: [ObjectIdentifier: Factory] = [:]
        /// By the address of the host's `neko_host` table.
        var bound: [UInt: Factory] = [:]
    }
    private static let hosted = Mutex(Hosted())

    /// The descriptor of `P`, built as `export` builds it (the same entries,
    /// timers and C functions), for a host inside this process that binds
    /// its table to `P` before it calls `create`.
    package static func descriptor<P: Plugin>(hosting type: P.Type) -> UnsafePointer<neko_plugin> {
        hosted.withLock { hosted in
            if let factory = hosted.factories[ObjectIdentifier(P.self)] { return factory.descriptor }
            let made = Factory(make: { try Instance<P>(host: $0) }, descriptor: build(P.self), type: ObjectIdentifier(P.self))
            hosted.factories[made.type] = made
            return made.descriptor
        }
    }

    /// Makes `create` with the host table `host` make an instance of `P`,
    /// until `unbind`. `descriptor(hosting:)` must have been called for `P`.
    package static func bind<P: Plugin>(_ host: UnsafePointer<neko_host>, to type: P.Type) {
        hosted.withLock { hosted in
            hosted.bound[UInt(bitPattern: host)] = hosted.factories[ObjectIdentifier(P.self)]
        }
    }

    /// Forgets the binding of `host` (the host frees its table).
    package static func unbind(_ host: UnsafePointer<neko_host>) {
        hosted.withLock { _ = $0.bound.removeValue(forKey: UInt(bitPattern: host)) }
    }

    /// Lays out the C descriptor. Everything is allocated once and never freed:
    /// the host may read it for as long as the library is mapped.
    static func build<P: Plugin>(_ type: P.Type) -> UnsafePointer<neko_plugin> {
        let entries = P.entries
        let table = UnsafeMutablePointer<neko_entry>.allocate(capacity: max(entries.count, 1))
        for (index, entry) in entries.enumerated() {
            table[index] = neko_entry(
                struct_size: UInt32(MemoryLayout<neko_entry>.size),
                // Never NEKO_ENTRY_VALIDATE_ARGS: a Swift entry validates its own arguments.
                flags: entry.isAsync ? UInt32(NEKO_ENTRY_ASYNC) : 0,
                id: permanent(entry.id), name: permanent(entry.name), description: permanent(entry.description),
                args_schema: permanent(entry.schema.description),
                timeout_ms: entry.timeout?.abiMilliseconds ?? 0, reserved: 0,
                result_schema: entry.resultSchema.map { permanent($0.description) }, hints: entry.hints.rawValue, reserved2: 0)
        }
        let timers = P.timers
        let timerTable = UnsafeMutablePointer<neko_timer>.allocate(capacity: max(timers.count, 1))
        for (index, timer) in timers.enumerated() {
            timerTable[index] = neko_timer(
                struct_size: UInt32(MemoryLayout<neko_timer>.size),
                flags: timer.autoStart ? UInt32(NEKO_TIMER_AUTO_START) : 0,
                id: permanent(timer.id), interval_ms: UInt64(max(timer.interval.wholeMilliseconds, 1)))
        }
        let descriptor = UnsafeMutablePointer<neko_plugin>.allocate(capacity: 1)
        descriptor.initialize(to: neko_plugin(
            struct_size: UInt32(MemoryLayout<neko_plugin>.size),
            abi: BuildStamp.abi,
            // NULL unless the type declares an id: the manifest's id stands (docs/ABI.md).
            plugin_id: P.id.isEmpty ? nil : permanent(P.id),
            plugin_version: P.version.map(permanent),
            swift_version: permanent(BuildStamp.swiftCompiler),
            sdk: permanent("NekoPlugin \(BuildStamp.nekoVersion) \(BuildStamp.configuration)"),
            entry_count: UInt32(entries.count), entries: table,
            timer_count: UInt32(timers.count), timers: timerTable,
            create: Thunks.create, start: Thunks.start, invoke: Thunks.invoke, cancel: Thunks.cancel,
            on_timer: Thunks.onTimer, stop: Thunks.stop, destroy: Thunks.destroy,
            save_state: Thunks.saveState, restore_state: Thunks.restoreState, get_extension: Thunks.getExtension))
        return UnsafePointer(descriptor)
    }

    private static func permanent(_ string: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(string)!)
    }
}
