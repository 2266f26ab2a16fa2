import NekoABI
@_spi(Neko) import NekoCore

/// The C functions of the descriptor: each finds the Swift instance behind
/// `void *instance` and forwards. Nothing thrown crosses the boundary: every
/// error is caught here and written into the host's `neko_error`.
enum Thunks {
    static let create: @convention(c) (UnsafePointer<neko_host>?, UnsafeMutablePointer<neko_error>?) -> UnsafeMutableRawPointer? = { host, errorOut in
        guard let host else {
            report(CallError(.internal, "create was called without a host table"), into: errorOut)
            return nil
        }
        guard host.isAtLeast1_0 else {
            report(CallError(.internal, "create was called with \(neko_host.tooShort(host.structSize))"), into: errorOut)
            return nil
        }
        do {
            let instance = try Exported.makeInstance(HostTable(pointer: host))
            return Unmanaged.passRetained(instance).toOpaque()
        } catch {
            report(error, into: errorOut)
            return nil
        }
    }

    static let start: @convention(c) (UnsafeMutableRawPointer?, UnsafeMutablePointer<neko_error>?) -> neko_status = { instance, errorOut in
        guard let instance else { return ErrorCode.internal.rawValue }
        do {
            try Unmanaged<AnyInstance>.fromOpaque(instance).takeUnretainedValue().start()
            return Int32(NEKO_OK)
        } catch {
            return report(error, into: errorOut)
        }
    }

    static let invoke: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<neko_call>?) -> Void = { instance, call in
        // A call shorter than 1.0 may lack its `complete`: nothing can be answered.
        guard let instance, let call, call.isAtLeast1_0 else { return }
        Unmanaged<AnyInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { $0.invoke(call) }
    }

    static let cancel: @convention(c) (UnsafeMutableRawPointer?, UInt64) -> Void = { instance, id in
        guard let instance else { return }
        Unmanaged<AnyInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { $0.cancel(id) }
    }

    static let onTimer: @convention(c) (UnsafeMutableRawPointer?, UInt32) -> Void = { instance, index in
        guard let instance else { return }
        Unmanaged<AnyInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { $0.tick(Int(index)) }
    }

    static let getExtension: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<CChar>?) -> UnsafeRawPointer? = { instance, id in
        guard let instance, let id, String(cString: id) == NEKO_PLUGIN_CONFIG_EXTENSION else { return nil }
        let keepsSettings = Unmanaged<AnyInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { $0.settings != nil }
        return keepsSettings ? UnsafeRawPointer(SettingsExtension.table) : nil
    }

    static let saveState: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<neko_sink>?, UnsafeMutablePointer<neko_error>?) -> neko_status = {
        instance, sink, errorOut in
        guard let instance, let sink else { return ErrorCode.internal.rawValue }
        guard sink.isAtLeast1_0 else {
            return report(CallError(.internal, "save_state was given \(neko_sink.tooShort(sink.structSize))"), into: errorOut)
        }
        do {
            let bytes = try Unmanaged<AnyInstance>.fromOpaque(instance).takeUnretainedValue().saveState() ?? []
            bytes.withUnsafeBufferPointer { sink.pointee.write(sink, $0.baseAddress, $0.count) }
            return Int32(NEKO_OK)
        } catch {
            return report(error, into: errorOut)
        }
    }

    static let restoreState: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<neko_error>?) -> neko_status = {
        instance, data, length, errorOut in
        guard let instance else { return ErrorCode.internal.rawValue }
        guard length > 0 else { return Int32(NEKO_OK) }
        do {
            try Unmanaged<AnyInstance>.fromOpaque(instance).takeUnretainedValue().restoreState(UnsafeRawBufferPointer(start: data, count: length))
            return Int32(NEKO_OK)
        } catch {
            return report(error, into: errorOut)
        }
    }

    static let stop: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
        guard let instance else { return }
        Unmanaged<AnyInstance>.fromOpaque(instance).takeUnretainedValue().stop()
    }

    static let destroy: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
        guard let instance else { return }
        Unmanaged<AnyInstance>.fromOpaque(instance).release()
    }

    /// Writes `error` into the host's `neko_error` (truncated on a character
    /// boundary to fit) and returns its status.
    @discardableResult
    static func report(_ error: any Error, into out: UnsafeMutablePointer<neko_error>?) -> neko_status {
        let code = (error as? CallError)?.code ?? .executionFailed
        let message = (error as? CallError)?.message ?? String(describing: error)
        if let out, out.isAtLeast1_0 { out.pointee.set(code.rawValue, message) }
        return code.rawValue
    }
}
