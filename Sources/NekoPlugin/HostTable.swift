import NekoABI

/// The host's `neko_host` table, as the SDK holds it.
///
/// `@unchecked Sendable`: the host keeps the table and every string it points
/// to alive and unchanged from `create` to `destroy`, and its functions are
/// `[any-thread]` (neko_abi.h).
struct HostTable: @unchecked Sendable {
    let pointer: UnsafePointer<neko_host>

    /// Whether the host's table reaches the field at `offset` (fields past the
    /// host's `struct_size` are absent).
    func has(fieldEndingAt end: Int) -> Bool {
        Int(pointer.pointee.struct_size) >= end
    }

    /// Reads a NUL-terminated string field, or "" when absent.
    static func string(_ pointer: UnsafePointer<CChar>?) -> String {
        pointer.map { String(cString: $0) } ?? ""
    }
}
