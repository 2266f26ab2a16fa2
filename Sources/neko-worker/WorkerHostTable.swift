#if canImport(Glibc)
import Glibc
#endif
import NekoABI
@_spi(Neko) import NekoCore
import NekoWire

/// The `neko_host` the plugin gets inside the worker: its strings come from
/// the host's `create`; its functions send frames to the host.
/// Lives as long as the process (the plugin may keep the table until `destroy`).
final class WorkerHostTable: @unchecked Sendable {
    // Written once in init, then only read.
    let table = UnsafeMutablePointer<neko_host>.allocate(capacity: 1)

    init(_ message: CreateMessage) {
        let config = UnsafeMutablePointer<UInt8>.allocate(capacity: max(message.config.count, 1))
        config.initialize(from: message.config, count: message.config.count)
        let abi = neko_abi_version(major: UInt32(NEKO_ABI_VERSION_MAJOR), minor: UInt32(NEKO_ABI_VERSION_MINOR))
        table.initialize(to: neko_host(
            struct_size: UInt32(MemoryLayout<neko_host>.size), abi: abi,
            host_name: UnsafePointer(strdup(message.hostName)), plugin_id: UnsafePointer(strdup(message.pluginID)),
            plugin_dir: UnsafePointer(strdup(message.pluginFolder)), data_dir: UnsafePointer(strdup(message.dataFolder)),
            config_json: config, config_json_len: message.config.count, host_data: nil,
            log: workerLog, emit: workerEmit, call: workerCall, get_extension: { _, _ in nil },
            cancel: workerCancel, progress: workerProgress))
    }
}

private let workerLog: @convention(c) (UnsafePointer<neko_host>?, neko_log_level, UnsafePointer<CChar>?, Int) -> Void = {
    _, level, message, length in
    guard let message else { return }
    let session = currentSession!
    let text = UnsafeRawBufferPointer(start: message, count: min(length, 1 << 20))  // a log line of 1 MiB is plenty
    session.send(LogMessage.frame(level: level, text: text), on: session.main)
}

private let workerEmit: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<UInt8>?, Int) -> neko_status = {
    _, topic, payload, length in
    guard Frame.fits(payload: length) else { return Int32(NEKO_ERR_INVALID_ARGUMENT) }
    if let status = currentSession.emitOnFastLane(topic: topic, payload: UnsafeRawBufferPointer(start: payload, count: length)) {
        return status
    }
    let receipt = Receipt()
    currentSession.request(.receipt(receipt)) { id in
        EmitMessage.frame(id: id, topic: topic, payload: UnsafeRawBufferPointer(start: payload, count: length))
    }
    return receipt.wait()
}

private let workerCall: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void = {
    _, plugin, entry, call in
    // A call shorter than 1.0 may lack its `complete`: nothing can be answered.
    guard let call, call.isAtLeast1_0 else { return }
    guard Frame.fits(payload: call.pointee.args_len) else {
        return call.complete(
            status: Int32(NEKO_ERR_INVALID_ARGUMENT),
            message: "arguments of \(call.pointee.args_len) bytes exceed the \(Frame.maximumLength >> 20) MiB frame limit of isolated plugins")
    }
    let session = currentSession!
    let deadline = call.has(\.deadline_ns) ? call.pointee.deadline_ns : 0
    // The call it serves: the one it names (1.1), when that is a call the
    // worker made and still pending, else the one whose `invoke` runs on this thread.
    var parent: UInt64 = 0
    if let named = call.field(\.parent), let slot = CallSlot.ofHostCall(named, completedBy: workerCompletions), slot.current == .pending {
        parent = slot.word
    }
    if parent == 0 { parent = session.servingHere }
    session.request(.call(call)) { id in
        CallMessage.callFrame(
            id: id, plugin: plugin, entry: entry, timeoutMilliseconds: call.pointee.timeout_ms, deadline: deadline,
            parentRequest: parent, arguments: UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len))
    }
}

private let workerCancel: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?) -> Void = { _, call in
    guard let call else { return }
    currentSession.cancelOutgoing(call)
}

/// Sends the report to the host only when the host said someone listens to
/// the call (the `invoke` frame's flag) and the call is still pending.
private let workerProgress: @convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?, Double, Double, UnsafePointer<CChar>?, Int) -> Void = {
    _, call, done, total, message, length in
    guard let slot = CallSlot.ofHostCall(call, completedBy: workerCompletions),
          slot.listener.load(ordering: .acquiring) != 0, slot.current == .pending else { return }
    let request = slot.word
    let text = UnsafeRawBufferPointer(start: message, count: message == nil ? 0 : max(length, 0))
    currentSession.sendProgress(ProgressMessage.frame(request: request, done: done, total: total, message: text), request: request)
}
