import NekoABI
import NekoCore

/// The host's `neko_host` table, as the SDK holds it.
///
/// `@unchecked Sendable`: the host keeps the table and every string it points
/// to alive and unchanged from `create` to `destroy`, and its functions are
/// `[any-thread]` (neko_abi.h). `create` refuses a table shorter than 1.0; a
/// later field is read only through `pointer.field(_:)` or `pointer.has(_:)`.
struct HostTable: @unchecked Sendable {
    let pointer: UnsafePointer<neko_host>

    /// `neko_host.log`, or nil when the host lacks it (NULL, or beyond its `struct_size`).
    var log: (@convention(c) (UnsafePointer<neko_host>?, neko_log_level, UnsafePointer<CChar>?, Int) -> Void)? {
        pointer.field(\.log)
    }

    /// `neko_host.emit`, or nil when the host lacks it.
    var emit: (@convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<UInt8>?, Int) -> neko_status)? {
        pointer.field(\.emit)
    }

    /// `neko_host.call`, or nil when the host lacks it.
    var call: (@convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?, UnsafePointer<CChar>?, UnsafePointer<neko_call>?) -> Void)? {
        pointer.field(\.call)
    }

    /// `neko_host.get_extension`, or nil when the host lacks it.
    var getExtension: (@convention(c) (UnsafePointer<neko_host>?, UnsafePointer<CChar>?) -> UnsafeRawPointer?)? {
        pointer.field(\.get_extension)
    }

    /// `neko_host.cancel` (ABI 1.1), or nil when the host lacks it.
    var cancel: (@convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?) -> Void)? {
        pointer.field(\.cancel)
    }

    /// `neko_host.progress` (ABI 1.1), or nil when the host lacks it.
    var progress: (@convention(c) (UnsafePointer<neko_host>?, UnsafePointer<neko_call>?, Double, Double, UnsafePointer<CChar>?, Int) -> Void)? {
        pointer.field(\.progress)
    }

    /// Reads a NUL-terminated string field, or "" when absent.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
