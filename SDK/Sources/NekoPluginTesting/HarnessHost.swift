#if canImport(Glibc)
import Glibc
#endif
import Logging
import NekoABI
@_spi(Neko) import NekoCore
import Synchronization

/// The host side of a ``PluginHarness``: a real `neko_host` table whose
/// functions keep what the plugin does (logs, messages, progress, calls to
/// other plugins) for the test to read.
final class HarnessHost: @unchecked Sendable {  // `table` and its strings are written once, in `init`
    /// What the plugin did so far.
    struct Record {
        var logs: [LogLine] = []
        var messages: [EmittedMessage] = []
        var progress: [ProgressRecord] = []
        var outgoing: [OutgoingCallRecord] = []
        /// Entry of each call in flight, by the address of its `neko_call`, for progress reports.
        var serving: [UInt: (entry: String, id: UInt64)] = [:]
        /// Whether `emit` refuses messages (as a host with a full queue does).
        var refusesMessages = false
        /// What answers the plugin's calls to other plugins, by "plugin:entry".
        var stubs: [String: @Sendable ([UInt8]) throws -> [UInt8]] = [:]
    }

    let table: UnsafeMutablePointer<neko_host>
    let record = Mutex(Record())
    private let strings: [UnsafeMutablePointer<CChar>]
    private let config: UnsafeMutableBufferPointer<UInt8>

    /// A table for plugin `id` in `folder` (also its data folder), with
    /// `config` (a JSON object) as its tables of `plugin.toml`.
    init(id: String, folder: String, config: [UInt8]) {
        strings = ["NekoPluginTesting \(BuildStamp.nekoVersion)", id, folder].map { (text: String) in strdup(text)! }
        self.config = .allocate(capacity: max(config.count, 1))
        _ = self.config.initialize(from: config)
        table = .allocate(capacity: 1)
        table.initialize(to: neko_host())
        table.pointee.struct_size = UInt32(MemoryLayout<neko_host>.size)
        table.pointee.abi = BuildStamp.abi
        table.pointee.host_name = UnsafePointer(strings[0])
        table.pointee.plugin_id = UnsafePointer(strings[1])
        table.pointee.plugin_dir = UnsafePointer(strings[2])
        table.pointee.data_dir = UnsafePointer(strings[2])
        table.pointee.config_json = UnsafePointer(self.config.baseAddress)
        table.pointee.config_json_len = config.count
        table.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
        table.pointee.log = Self.log
        table.pointee.emit = Self.emit
        table.pointee.call = Self.call
        table.pointee.get_extension = { _, _ in nil }
        // Outgoing calls are answered inside `call`: nothing is left to cancel.
        table.pointee.cancel = { _, _ in }
        table.pointee.progress = Self.progress
    }

    deinit {
        strings.forEach { free($0) }
        config.deallocate()
        table.deinitialize(count: 1)
        table.deallocate()
    }

    private static func of(_ host: UnsafePointer<neko_host>?) -> HarnessHost? {
        guard let data = host?.pointee.host_data else { return nil }
        return Unmanaged<HarnessHost>.fromOpaque(data).takeUnretainedValue()
    }

    private static let log: @convention(c) (UnsafePointer<neko_host>?, neko_log_level, UnsafePointer<CChar>?, Int) -> Void = {
        host, level, message, length in
        guard let me = of(host) else { return }
        let text = message.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
        let swiftLevel: Logger.Level = switch Int(level) {
        case Int(NEKO_LOG_TRACE): .trace
        case Int(NEKO_LOG_DEBUG): .debug
        case Int(NEKO_LOG_WARNING): .warning
        case Int(NEKO_LOG_ERROR): .error
        default: .info
        }
        me.record.withLock { $0.logs.append(LogLine(swiftLevel, text)) }
    }

    private static let emit: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<UInt8>?, Int) -> neko_status = {
        host, topic, payload, length in
        guard let me = of(host) else { return Int32(NEKO_ERR_INTERNAL) }
        let parsed = try? JSON.parse(UnsafeRawBufferPointer(start: payload, count: length))
        guard let topic, let parsed else { return Int32(NEKO_ERR_INVALID_ARGUMENT) }
        let message = EmittedMessage(String(cString: topic), parsed)
        return me.record.withLock { record in
            guard !record.refusesMessages else { return Int32(NEKO_ERR_UNAVAILABLE) }
            record.messages.append(message)
            return Int32(NEKO_OK)
        }
    }

    private static let progress: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?, Double, Double, UnsafePointer<CChar>?, Int) -> Void = {
        host, call, done, total, message, length in
        guard let me = of(host), let call else { return }
        let text = message.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: length), as: UTF8.self) } ?? ""
        let report = CallProgress(done: done, total: total > 0 ? total : nil, message: text)
        me.record.withLock { record in
            // A report after the call completed is dropped, as a host drops it.
            guard let serving = record.serving[UInt(bitPattern: call)] else { return }
            record.progress.append(ProgressRecord(entry: serving.entry, callID: serving.id, progress: report))
        }
    }

    /// Answers a call the plugin makes to another plugin with the stub the
    /// test gave, at once (inside `call`, as a host may).
    private static let call: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void = {
        host, plugin, entry, call in
        guard let call else { return }
        guard let me = of(host), let plugin, let entry else {
            return complete(call, .internal, Array("the call names no plugin or entry".utf8))
        }
        let (pluginID, entryID) = (String(cString: plugin), String(cString: entry))
        let arguments = Array(UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len))
        let stub = me.record.withLock { record in
            record.outgoing.append(OutgoingCallRecord(
                plugin: pluginID, entry: entryID, arguments: (try? JSON.parse(arguments.isEmpty ? Array("{}".utf8) : arguments)) ?? .null))
            return record.stubs["\(pluginID):\(entryID)"]
        }
        guard let stub else {
            let message = "no plugin '\(pluginID)' with entry '\(entryID)' in this harness: answer it with harness.stub(\"\(pluginID)\", \"\(entryID)\") { ... }"
            return complete(call, .notFound, Array(message.utf8))
        }
        do {
            complete(call, nil, try stub(arguments))
        } catch let error as CallError {
            complete(call, error.code, Array(error.message.utf8), field: error.field)
        } catch {
            complete(call, .executionFailed, Array(String(describing: error).utf8))
        }
    }

    /// Completes an outgoing call with `bytes`: the result (`code` nil) or an error message.
    private static func complete(_ call: UnsafePointer<neko_call>, _ code: ErrorCode?, _ bytes: [UInt8], field: String? = nil) {
        let status = code?.rawValue ?? Int32(NEKO_OK)
        bytes.withUnsafeBufferPointer { data in
            if let field {
                field.withCString { field in
                    var result = neko_result(struct_size: UInt32(MemoryLayout<neko_result>.size), status: status, data: data.baseAddress, len: data.count, field: field)
                    call.pointee.complete(call, &result)
                }
            } else {
                var result = neko_result(struct_size: UInt32(MemoryLayout<neko_result>.size), status: status, data: data.baseAddress, len: data.count, field: nil)
                call.pointee.complete(call, &result)
            }
        }
    }
}
