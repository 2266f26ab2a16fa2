#if canImport(Glibc)
import Glibc
#endif
import NekoABI

/// Opening a plugin library and registering its plugin: the same steps for
/// a host that loads it in-process and for a worker process that runs it.
@_spi(Neko) public enum PluginImage {
    /// Why a library could not be opened or registered.
    @_spi(Neko) public struct Failure: Error, Sendable {
        /// `open` (dlopen, the register symbol) or `register` (it returned NULL).
        @_spi(Neko) public let phase: String
        /// What failed and why, without the library's name.
        @_spi(Neko) public let message: String
    }

    /// `dlopen`s `path` (never closed) and calls its `neko_plugin_register`.
    /// - Returns: the plugin's descriptor, not yet checked.
    @_spi(Neko) public static func register(_ path: String, hostName: String) -> Result<UnsafePointer<neko_plugin>, Failure> {
        guard let handle = dlopen(path, RTLD_NOW | RTLD_LOCAL) else {
            let reason = dlerror().map { String(cString: $0) } ?? "unknown reason"
            return .failure(Failure(phase: "open", message: "cannot open the library: \(reason)"))
        }
        guard let symbol = dlsym(handle, NEKO_REGISTER_SYMBOL) else {
            return .failure(Failure(phase: "open", message: "exports no '\(NEKO_REGISTER_SYMBOL)': it is not a Neko plugin (see docs/ABI.md)"))
        }
        let register = unsafeBitCast(symbol, to: neko_register_fn.self)
        var info = neko_host_info(struct_size: UInt32(MemoryLayout<neko_host_info>.size), abi: BuildStamp.abi, host_name: nil)
        let found = hostName.withCString { name in
            info.host_name = name
            return register(&info)
        }
        guard let found else {
            return .failure(Failure(phase: "register", message: "\(NEKO_REGISTER_SYMBOL) returned NULL: the plugin refused this host (ABI \(BuildStamp.abi.major).\(BuildStamp.abi.minor))"))
        }
        return .success(found)
    }
}

extension UnsafePointer where Pointee == neko_call {
    /// Completes the call; `data` and `field` are borrowed for the completion only.
    @_spi(Neko) public func complete(status: neko_status, data: UnsafeRawBufferPointer, field: String? = nil) {
        func run(_ field: UnsafePointer<CChar>?) {
            var result = neko_result(
                struct_size: UInt32(MemoryLayout<neko_result>.size), status: status,
                data: data.baseAddress?.assumingMemoryBound(to: UInt8.self), len: data.count, field: field)
            pointee.complete(self, &result)
        }
        guard let field else { return run(nil) }
        field.withCString { run($0) }
    }

    /// Completes the call with an error status and its message.
    @_spi(Neko) public func complete(status: neko_status, message: String) {
        var message = message
        message.withUTF8 { complete(status: status, data: UnsafeRawBufferPointer($0)) }
    }
}
