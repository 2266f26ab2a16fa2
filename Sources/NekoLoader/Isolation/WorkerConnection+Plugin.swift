import NekoABI
@_spi(Neko) import NekoCore
import NekoWire

/// The functions of a plugin instance, carried out by the worker: what the
/// proxy descriptor's C functions call.
extension WorkerConnection {
    /// `create`: the worker makes the instance with a copy of `host`'s strings and config.
    func create(_ host: UnsafePointer<neko_host>, _ error: UnsafeMutablePointer<neko_error>?) -> UnsafeMutableRawPointer? {
        let table = host.pointee
        func text(_ pointer: UnsafePointer<CChar>?) -> String { pointer.map { String(cString: $0) } ?? "" }
        let message = CreateMessage(
            hostName: text(table.host_name), pluginID: text(table.plugin_id), pluginFolder: text(table.plugin_dir),
            dataFolder: text(table.data_dir), config: Array(UnsafeBufferPointer(start: table.config_json, count: table.config_json_len)))
        // Before `create`: the plugin may log from it.
        binding = HostBinding.binding(host)
        switch lifecycle("create", timeout: nil, { message.frame(id: $0) }) {
        case .success(let reply):
            hasSettings.store(reply.data.first == 1, ordering: .releasing)
            return Unmanaged.passUnretained(self).toOpaque()
        case .failure(let failure):
            error?.pointee.set(failure.code.rawValue, failure.message)
            return nil
        }
    }

    /// `start`, `restore_state`: the host bounds them with the startup timeout.
    func start(_ error: UnsafeMutablePointer<neko_error>?) -> neko_status {
        status(of: lifecycle("start", timeout: nil) { SmallFrame.make(.start, id: $0) }, error)
    }

    func restoreState(_ bytes: UnsafeRawBufferPointer, _ error: UnsafeMutablePointer<neko_error>?) -> neko_status {
        status(of: lifecycle("restore_state", timeout: lifecycleLimit) { SmallFrame.make(.restoreState, id: $0, bytes: bytes) }, error)
    }

    func saveState(_ sink: UnsafePointer<neko_sink>, _ error: UnsafeMutablePointer<neko_error>?) -> neko_status {
        let outcome = lifecycle("save_state", timeout: lifecycleLimit) { SmallFrame.make(.saveState, id: $0) }
        if case .success(let reply) = outcome {
            reply.data.withUnsafeBufferPointer { sink.pointee.write(sink, $0.baseAddress, $0.count) }
        }
        return status(of: outcome, error)
    }

    /// `stop`: a worker that does not finish it in time is killed.
    func stop() {
        _ = lifecycle("stop", timeout: lifecycleLimit) { SmallFrame.make(.stop, id: $0) }
    }

    /// `destroy`: the worker frees the instance and exits; one that does not
    /// exit in time is killed. The real unload of an isolated plugin.
    func destroy() {
        expectExit()
        _ = lifecycle("destroy", timeout: lifecycleLimit) { SmallFrame.make(.destroy, id: $0) }
        // Until it has ended, its requests may still be served from the host table.
        if exit == nil {
            _ = waitForExit(atMost: grace)
            if exit == nil { kill(because: "it did not exit after destroy") }
            _ = waitForExit(atMost: grace)
        }
    }

    /// One timer tick, run in the worker; a tick that does not end in time kills it.
    func tick(_ index: UInt32) {
        let name = timerIDs.indices.contains(Int(index)) ? "timer '\(timerIDs[Int(index)])'" : "timer #\(index)"
        _ = lifecycle(name, timeout: lifecycleLimit) { SmallFrame.make(.tick, id: $0, value: index) }
    }

    /// The settings extension's `read` (`neko.plugin.config/1`).
    func readSettings(_ sink: UnsafePointer<neko_sink>, _ error: UnsafeMutablePointer<neko_error>?) -> neko_status {
        let outcome = lifecycle("reading the settings", timeout: lifecycleLimit) { SmallFrame.make(.readSettings, id: $0) }
        if case .success(let reply) = outcome {
            reply.data.withUnsafeBufferPointer { sink.pointee.write(sink, $0.baseAddress, $0.count) }
        }
        return status(of: outcome, error)
    }

    /// The settings extension's `change` (`neko.plugin.config/1`).
    func changeSettings(_ json: UnsafeRawBufferPointer, _ error: UnsafeMutablePointer<neko_error>?) -> neko_status {
        status(of: lifecycle("changing the settings", timeout: lifecycleLimit) { SmallFrame.make(.changeSettings, id: $0, bytes: json) }, error)
    }

    /// A request that must succeed; a timeout kills the worker.
    private func lifecycle(_ what: String, timeout: Duration?, _ makeFrame: (UInt64) -> [UInt8]) -> Result<WorkerReply, CallError> {
        switch request(timeout, makeFrame) {
        case .reply(let reply):
            guard reply.status == Int32(NEKO_OK) else {
                return .failure(CallError(ErrorCode(status: reply.status) ?? .internal, reply.text, field: reply.field))
            }
            return .success(reply)
        case .ended(let exit):
            return .failure(crashed(exit))
        case .timedOut:
            let limit = timeout ?? .zero
            kill(because: "\(what) did not finish within \(limit)")
            return .failure(CallError(.timeout, "\(pluginID): \(what) did not finish within \(limit); its worker process was killed"))
        }
    }

    private func status(of outcome: Result<WorkerReply, CallError>, _ error: UnsafeMutablePointer<neko_error>?) -> neko_status {
        switch outcome {
        case .success: return Int32(NEKO_OK)
        case .failure(let failure):
            error?.pointee.set(failure.code.rawValue, failure.message)
            return failure.code.rawValue
        }
    }

    /// Waits until the worker has no `invoke` running and every `violation`
    /// frame it sent before has been counted (a `ping` round trip).
    func settle() {
        _ = request(lifecycleLimit) { SmallFrame.make(.ping, id: $0) }
    }
}
