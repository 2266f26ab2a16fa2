import NekoABI
import NekoCore

/// The settings extension, "neko.plugin.config/1" (neko_abi.h; the C names
/// say config, frozen since ABI 1.0): the host reads and changes a plugin's
/// `SettingsFile` through it.
enum SettingsExtension {
    /// The extension table: constant, allocated once, never freed.
    // Immutable after its one initialization; only function pointers inside.
    nonisolated(unsafe) static let table: UnsafePointer<neko_plugin_config> = {
        let table = UnsafeMutablePointer<neko_plugin_config>.allocate(capacity: 1)
        table.initialize(to: neko_plugin_config(
            struct_size: UInt32(MemoryLayout<neko_plugin_config>.size), read: read, change: change))
        return UnsafePointer(table)
    }()

    private static let read: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<neko_sink>?, UnsafeMutablePointer<neko_error>?) -> neko_status = {
        instance, sink, errorOut in
        guard let store = settings(of: instance), let sink else {
            return Thunks.report(CallError(.notFound, "this plugin keeps no settings"), into: errorOut)
        }
        guard sink.isAtLeast1_0 else {
            return Thunks.report(CallError(.internal, "read was given \(neko_sink.tooShort(sink.structSize))"), into: errorOut)
        }
        do {
            let bytes = try store.read()
            bytes.withUnsafeBufferPointer { sink.pointee.write(sink, $0.baseAddress, $0.count) }
            return Int32(NEKO_OK)
        } catch {
            return Thunks.report(error, into: errorOut)
        }
    }

    private static let change: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<UInt8>?, Int, UnsafeMutablePointer<neko_error>?) -> neko_status = {
        instance, json, length, errorOut in
        guard let store = settings(of: instance) else {
            return Thunks.report(CallError(.notFound, "this plugin keeps no settings"), into: errorOut)
        }
        do {
            let patch = try JSON.parse(UnsafeRawBufferPointer(start: json, count: length))
            try store.change(patch)
            return Int32(NEKO_OK)
        } catch {
            return Thunks.report(error, into: errorOut)
        }
    }

    private static func settings(of instance: UnsafeMutableRawPointer?) -> (any SettingsStore)? {
        guard let instance else { return nil }
        return Unmanaged<AnyInstance>.fromOpaque(instance)._withUnsafeGuaranteedRef { $0.settings }
    }
}
