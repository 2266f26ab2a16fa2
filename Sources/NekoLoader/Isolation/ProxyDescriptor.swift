#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire

/// A `neko_plugin` made in the host for a plugin that runs in a worker
/// process: its entries and timers are copies of the descriptor the worker
/// read; its functions send frames to the worker. The host checks and calls
/// it exactly as it does an in-process plugin's, so every host feature
/// (deadlines, reload, settings, timers) works the same isolated.
///
/// The instance pointer the proxy's `create` returns is the worker's
/// `WorkerConnection` (unretained: the `PluginLibrary` holds it).
final class ProxyDescriptor: @unchecked Sendable {
    // C memory written once in init, then only read; freed with the descriptor.
    let plugin = UnsafeMutablePointer<neko_plugin>.allocate(capacity: 1)
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let entries: UnsafeMutablePointer<neko_entry>
    private let timers: UnsafeMutablePointer<neko_timer>

    init(_ message: DescriptorMessage) {
        entries = .allocate(capacity: max(message.entries.count, 1))
        timers = .allocate(capacity: max(message.timers.count, 1))
        plugin.initialize(to: neko_plugin())
        // Host-layout structs holding only what this host knows: the size is
        // the plugin's when shorter (for the version rule to refuse it),
        // never more than this host's `neko_plugin`; the worker walked the
        // plugin's arrays at its stride, these are at ours.
        plugin.pointee.struct_size = min(message.structSize, UInt32(MemoryLayout<neko_plugin>.size))
        plugin.pointee.abi = message.abi
        guard message.isComplete else { return }
        for (index, entry) in message.entries.enumerated() {
            (entries + index).initialize(to: neko_entry(
                struct_size: UInt32(MemoryLayout<neko_entry>.size), flags: entry.flags, id: keep(entry.id), name: keep(entry.name),
                description: keep(entry.description), args_schema: keep(entry.schema),
                timeout_ms: entry.timeoutMilliseconds, reserved: 0,
                result_schema: keep(entry.resultSchema), hints: entry.hints, reserved2: 0))
        }
        for (index, timer) in message.timers.enumerated() {
            (timers + index).initialize(to: neko_timer(
                struct_size: UInt32(MemoryLayout<neko_timer>.size), flags: timer.flags, id: keep(timer.id), interval_ms: timer.intervalMilliseconds))
        }
        let has = message.functions
        plugin.pointee.plugin_id = keep(message.pluginID)
        plugin.pointee.plugin_version = keep(message.version)
        plugin.pointee.swift_version = keep(message.swiftVersion)
        plugin.pointee.sdk = keep(message.sdk)
        plugin.pointee.entry_count = message.entryCount
        plugin.pointee.entries = message.entries.isEmpty ? nil : UnsafePointer(entries)
        plugin.pointee.timer_count = message.timerCount
        plugin.pointee.timers = message.timers.isEmpty ? nil : UnsafePointer(timers)
        plugin.pointee.create = has.contains(.create) ? Proxy.create : nil
        plugin.pointee.start = has.contains(.start) ? Proxy.start : nil
        plugin.pointee.invoke = has.contains(.invoke) ? Proxy.invoke : nil
        plugin.pointee.cancel = has.contains(.cancel) ? Proxy.cancel : nil
        plugin.pointee.on_timer = has.contains(.onTimer) ? Proxy.onTimer : nil
        plugin.pointee.stop = Proxy.stop  // always: it is what ends the worker's timers and calls
        plugin.pointee.destroy = has.contains(.destroy) ? Proxy.destroy : nil
        plugin.pointee.save_state = has.contains(.saveState) ? Proxy.saveState : nil
        plugin.pointee.restore_state = has.contains(.restoreState) ? Proxy.restoreState : nil
        plugin.pointee.get_extension = Proxy.getExtension
    }

    deinit {
        strings.forEach { free($0) }
        entries.deallocate()
        timers.deallocate()
        plugin.deallocate()
    }

    private func keep(_ text: String?) -> UnsafePointer<CChar>? {
        guard let text, let copy = strdup(text) else { return nil }
        strings.append(copy)
        return UnsafePointer(copy)
    }
}

/// The C functions of a proxy descriptor.
private enum Proxy {
    static func worker(_ instance: UnsafeMutableRawPointer?) -> WorkerConnection {
        Unmanaged<WorkerConnection>.fromOpaque(instance!).takeUnretainedValue()
    }

    static let create: @convention(c) (UnsafePointer<neko_host>?, UnsafeMutablePointer<neko_error>?) -> UnsafeMutableRawPointer? = { host, error in
        guard let host, let worker = HostBinding.binding(host)?.worker else {
            error?.pointee.set(ErrorCode.internal.rawValue, "this host table has no worker process")
            return nil
        }
        return worker.create(host, error)
    }

    static let start: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<neko_error>?) -> neko_status = { instance, error in
        worker(instance).start(error)
    }

    static let invoke: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<neko_call>?) -> Void = { instance, call in
        guard let call else { return }
        let worker = worker(instance)
        let index = Int(call.pointee.entry_index)
        if worker.asyncEntries.indices.contains(index), worker.asyncEntries[index] {
            worker.invokeAsync(call)
        } else {
            worker.invokeSync(call)
        }
    }

    static let cancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { instance, callID in
        worker(instance).cancel(callID)
    }

    static let onTimer: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> Void = { instance, index in
        worker(instance).tick(index)
    }

    static let stop: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
        worker(instance).stop()
    }

    static let destroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
        worker(instance).destroy()
    }

    static let saveState: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<neko_sink>?, UnsafeMutablePointer<neko_error>?) -> neko_status = {
        instance, sink, error in
        guard let sink else { return ErrorCode.internal.rawValue }
        return worker(instance).saveState(sink, error)
    }

    static let restoreState: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<neko_error>?) -> neko_status = {
        instance, data, length, error in
        worker(instance).restoreState(UnsafeRawBufferPointer(start: data, count: length), error)
    }

    static let getExtension: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { instance, id in
        guard let id, String(cString: id) == NEKO_PLUGIN_CONFIG_EXTENSION,
              worker(instance).hasSettings.load(ordering: .acquiring) else { return nil }
        return UnsafeRawPointer(settings)
    }

    /// The proxy's settings extension table (`neko.plugin.config/1`).
    nonisolated(unsafe) static let settings: UnsafePointer<neko_plugin_config> = {
        let table = UnsafeMutablePointer<neko_plugin_config>.allocate(capacity: 1)
        table.initialize(to: neko_plugin_config(
            struct_size: UInt32(MemoryLayout<neko_plugin_config>.size),
            read: { instance, sink, error in
                guard let sink else { return ErrorCode.internal.rawValue }
                return worker(instance).readSettings(sink, error)
            },
            change: { instance, json, length, error in
                worker(instance).changeSettings(UnsafeRawBufferPointer(start: json, count: length), error)
            }))
        return UnsafePointer(table)
    }()
}
