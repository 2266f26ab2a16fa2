#if canImport(Glibc)
import Glibc
#endif
import Logging
import NekoABI
@_spi(Neko) import NekoCore

/// The `neko_host` table one plugin instance receives, and the C functions
/// in it, which route the plugin's logs, messages and calls to its host.
///
/// The table and its strings are allocated here and freed with the binding,
/// after the instance is destroyed (neko_abi.h: valid from `create` until
/// `destroy` returns).
final class HostBinding: Sendable {
    /// The plugin this table belongs to.
    let pluginID: String
    /// The host's router; weak, so that a plugin thread that outlives its host
    /// finds nobody home instead of a freed object.
    weak let core: PluginHost?
    /// The worker process that runs the instance, for an isolated plugin.
    let worker: WorkerConnection?
    /// The contract violations of this instance (calls completed twice).
    let ledger: ContractLedger
    /// The calls this instance made through `neko_host.call`, not answered yet.
    let outgoing = OutgoingCalls()
    private let storage: TableStorage

    init(core: PluginHost, manifest: PluginManifest, entryIDs: [String], dataFolder: String, hostName: String, worker: WorkerConnection?) {
        pluginID = manifest.id
        self.core = core
        self.worker = worker
        ledger = ContractLedger.make(pluginID: manifest.id, entryIDs: entryIDs, logger: core.logger)
        storage = TableStorage(manifest: manifest, dataFolder: dataFolder, hostName: hostName)
        storage.table.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
    }

    /// The table to hand to `create`.
    var table: UnsafePointer<neko_host> { UnsafePointer(storage.table) }

    /// The binding whose table this is.
    static func binding(_ host: UnsafePointer<neko_host>?) -> HostBinding? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<HostBinding>.fromOpaque(data).takeUnretainedValue()
    }
}

/// The C memory of a `neko_host`.
private final class TableStorage: @unchecked Sendable {
    // Written once in init, then only read, by any thread, until deinit.
    let table = UnsafeMutablePointer<neko_host>.allocate(capacity: 1)
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let config: [UInt8]
    private let configCopy: UnsafeMutablePointer<UInt8>

    init(manifest: PluginManifest, dataFolder: String, hostName: String) {
        config = manifest.config.serialized()
        configCopy = UnsafeMutablePointer<UInt8>.allocate(capacity: max(config.count, 1))
        configCopy.initialize(from: config, count: config.count)
        func keep(_ string: String) -> UnsafePointer<CChar> {
            let copy = strdup(string)!
            strings.append(copy)
            return UnsafePointer(copy)
        }
        table.initialize(to: neko_host(
            struct_size: UInt32(MemoryLayout<neko_host>.size), abi: BuildStamp.abi,
            host_name: keep(hostName), plugin_id: keep(manifest.id), plugin_dir: keep(manifest.folder),
            data_dir: keep(dataFolder), config_json: configCopy, config_json_len: config.count,
            host_data: nil, log: hostLog, emit: hostEmit, call: hostCall, get_extension: hostExtension,
            cancel: hostCancel, progress: hostProgress))
    }

    deinit {
        strings.forEach { free($0) }
        configCopy.deallocate()
        table.deallocate()
    }
}

// MARK: - The functions of the table

private let hostLog: @convention(c) (UnsafePointer<neko_host>?, neko_log_level, UnsafePointer<CChar>?, Int) -> Void = {
    host, level, message, length in
    guard let binding = HostBinding.binding(host), let core = binding.core, let message else { return }
    let text = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
    let swiftLevel: Logger.Level = switch level {
    case ..<Int32(NEKO_LOG_DEBUG): .trace
    case Int32(NEKO_LOG_DEBUG): .debug
    case Int32(NEKO_LOG_INFO): .info
    case Int32(NEKO_LOG_WARNING): .warning
    default: .error
    }
    // The source is the plugin's id: its lines are told from the host's own (whose source is a module).
    core.logger.log(level: swiftLevel, "\(text)", metadata: ["plugin": "\(binding.pluginID)"], source: binding.pluginID)
}

private let hostEmit: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<UInt8>?, Int) -> neko_status = {
    host, topic, payload, length in
    guard let binding = HostBinding.binding(host), let core = binding.core else { return ErrorCode.unavailable.rawValue }
    let bytes = UnsafeRawBufferPointer(start: payload, count: length)
    let value: JSON
    do { value = bytes.isEmpty ? .null : try JSON.parse(bytes) } catch {
        return ErrorCode.invalidArgument.rawValue
    }
    let message = PluginMessage(plugin: binding.pluginID, topic: topic.map { String(cString: $0) } ?? "", payload: value)
    return core.deliver(message) ? Int32(NEKO_OK) : ErrorCode.unavailable.rawValue
}

private let hostCall: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void = {
    host, plugin, entry, call in
    guard let call else { return }
    guard let binding = HostBinding.binding(host), let core = binding.core else {
        return call.isAtLeast1_0 ? Forwarding.fail(call, CallError(.unavailable, "the host has shut down")) : ()
    }
    guard call.isAtLeast1_0 else {
        // Its `complete` may lie beyond the struct: nothing can be answered.
        core.logger.error("plugin '\(binding.pluginID)' called neko_host.call with \(neko_call.tooShort(call.structSize)); the call is dropped")
        return
    }
    core.forward(from: binding, to: plugin.map { String(cString: $0) } ?? "", entry: entry.map { String(cString: $0) } ?? "", call: call)
}

private let hostExtension: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { _, _ in
    nil
}

private let hostCancel: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?) -> Void = { host, call in
    guard let call, let binding = HostBinding.binding(host) else { return }
    binding.outgoing.cancel(call, by: binding.pluginID)
}

private let hostProgress: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?, Double, Double, UnsafePointer<CChar>?, Int) -> Void = {
    _, call, done, total, message, length in
    guard let slot = CallSlot.ofHostCall(call, completedBy: InlineCall.hostCompletions) else { return }
    slot.report(CallProgress(
        done: done.isFinite ? done : 0, total: total > 0 && total.isFinite ? total : nil,
        message: message.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: min(length, 4096)), as: UTF8.self) } ?? ""))
}
