import NekoABI

/// A struct of `neko_abi.h` that starts with `struct_size`, the `sizeof` its
/// writer was built with (which may be an older or a newer ABI than ours).
///
/// The one way any Neko reader (host, worker, SDK) reads a peer's struct:
/// refuse it when it is shorter than the 1.0 size (``isAtLeast1_0``), and
/// read a field appended since 1.0 only when ``has(_:)`` says the writer's
/// struct reaches it. Never copy a peer's whole struct (`pointer.pointee`):
/// that reads our `sizeof`, which may lie beyond the writer's.
public protocol VersionedStruct {
    /// The struct's size in ABI 1.0 (`NEKO_<STRUCT>_SIZE_1_0`): the smallest a reader accepts.
    static var size1_0: Int { get }
}

extension neko_result: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_RESULT_SIZE_1_0) } }
extension neko_call: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_CALL_SIZE_1_0) } }
extension neko_host: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_HOST_SIZE_1_0) } }
extension neko_entry: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_ENTRY_SIZE_1_0) } }
extension neko_timer: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_TIMER_SIZE_1_0) } }
extension neko_error: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_ERROR_SIZE_1_0) } }
extension neko_sink: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_SINK_SIZE_1_0) } }
extension neko_plugin: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_PLUGIN_SIZE_1_0) } }
extension neko_plugin_config: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_PLUGIN_CONFIG_SIZE_1_0) } }
extension neko_host_info: VersionedStruct { @inlinable public static var size1_0: Int { Int(NEKO_HOST_INFO_SIZE_1_0) } }

extension VersionedStruct {
    /// The `struct_size` at `pointer` (the first field of every versioned struct).
    @inlinable @inline(__always)
    static func structSize(at pointer: UnsafeRawPointer) -> Int {
        Int(pointer.load(as: UInt32.self))
    }

    /// Whether a struct of `structSize` bytes reaches `field` (`NEKO_HAS_FIELD`).
    @inlinable @inline(__always)
    static func reaches<Field>(_ field: KeyPath<Self, Field>, structSize: Int) -> Bool {
        guard let offset = MemoryLayout<Self>.offset(of: field) else { return false }
        return structSize >= offset + MemoryLayout<Field>.size
    }
}

extension VersionedStruct {
    /// What a reader says of a struct shorter than 1.0, eg
    /// "a neko_result of struct_size 16, expected at least 32 (the ABI 1.0 size)".
    public static func tooShort(_ structSize: Int) -> String {
        "a \(Self.self) of struct_size \(structSize), expected at least \(size1_0) (the ABI 1.0 size)"
    }
}

extension UnsafePointer where Pointee: VersionedStruct {
    /// The writer's `struct_size`, eg 56 for a 1.0 `neko_call`.
    @inlinable public var structSize: Int { Pointee.structSize(at: UnsafeRawPointer(self)) }

    /// Whether the writer's struct holds every 1.0 field (`struct_size >= NEKO_<STRUCT>_SIZE_1_0`).
    @inlinable public var isAtLeast1_0: Bool { structSize >= Pointee.size1_0 }

    /// Whether the writer's struct reaches `field`, eg `host.has(\.get_extension)` (`NEKO_HAS_FIELD`).
    @inlinable public func has<Field>(_ field: KeyPath<Pointee, Field>) -> Bool {
        Pointee.reaches(field, structSize: structSize)
    }

    /// The value of an optional field (a function pointer, a string), or nil
    /// when the writer's struct does not reach it, eg `host.field(\.log)`.
    /// Reads that field alone, never the whole struct.
    @inlinable public func field<Wrapped>(_ field: KeyPath<Pointee, Wrapped?>) -> Wrapped? {
        guard let offset = MemoryLayout<Pointee>.offset(of: field),
              structSize >= offset + MemoryLayout<Wrapped?>.size else { return nil }
        return UnsafeRawPointer(self).load(fromByteOffset: offset, as: Wrapped?.self)
    }
}

extension UnsafeMutablePointer where Pointee: VersionedStruct {
    /// The writer's `struct_size` (for a struct a peer hands us to fill in).
    @inlinable public var structSize: Int { Pointee.structSize(at: UnsafeRawPointer(self)) }

    /// Whether the struct holds every 1.0 field (`struct_size >= NEKO_<STRUCT>_SIZE_1_0`).
    @inlinable public var isAtLeast1_0: Bool { structSize >= Pointee.size1_0 }

    /// Whether the struct reaches `field` (`NEKO_HAS_FIELD`).
    @inlinable public func has<Field>(_ field: KeyPath<Pointee, Field>) -> Bool {
        Pointee.reaches(field, structSize: structSize)
    }
}

/// An array of entries or timers laid out by a plugin, walked with the
/// stride the plugin declares (`struct_size` of its first element), never with
/// our `sizeof`: element `i` is at `base + i * stride` (neko_abi.h,
/// `neko_plugin.entries`).
public struct DeclaredArray<Element: VersionedStruct>: @unchecked Sendable {
    // Plugin-owned and constant while the library is mapped (for ever).
    private let base: UnsafeRawPointer?
    /// The number of elements, eg 2.
    public let count: Int
    /// The distance between two elements, in bytes, eg 48.
    public let stride: Int

    /// Checks the stride rule for `count` elements at `pointer`: every
    /// element has the same `struct_size`, at least the 1.0 size and a
    /// multiple of 8.
    ///
    /// - Parameter kind: what an element is called in messages, eg `"entry"`.
    /// - Throws: ``ArrayLayoutError`` naming the element at fault and both sizes.
    ///   A NULL `pointer` with a non-zero `count` is the caller's to refuse.
    public init(_ pointer: UnsafePointer<Element>?, count: UInt32, kind: String) throws(ArrayLayoutError) {
        guard let pointer, count > 0 else {
            base = nil
            self.count = 0
            stride = Element.size1_0
            return
        }
        let base = UnsafeRawPointer(pointer)
        self.base = base
        let stride = Element.structSize(at: base)
        guard stride >= Element.size1_0 else {
            throw ArrayLayoutError(message: "\(kind) #0 has struct_size \(stride), expected at least \(Element.size1_0) (the ABI 1.0 size)")
        }
        guard stride % 8 == 0 else {
            throw ArrayLayoutError(message: "\(kind) #0 has struct_size \(stride), expected a multiple of 8 (it is the stride of the array)")
        }
        for position in 1..<Int(count) {
            let size = Element.structSize(at: base + position * stride)
            guard size == stride else {
                throw ArrayLayoutError(message: "\(kind) #\(position) has struct_size \(size), \(kind) #0 has \(stride): every \(kind) of the array must have the same struct_size (it is the stride)")
            }
        }
        self.count = Int(count)
        self.stride = stride
    }

    /// Element `position`: read its 1.0 fields through `pointee.field`, any
    /// later one only after `has(_:)`.
    public subscript(position: Int) -> UnsafePointer<Element> {
        precondition(position >= 0 && position < count, "element \(position) of \(count)")
        return (base! + position * stride).assumingMemoryBound(to: Element.self)
    }
}

/// What is wrong with a plugin's array of entries or timers: names the
/// element at fault and both sizes.
public struct ArrayLayoutError: Error, Sendable, Equatable {
    /// eg "entry #1 has struct_size 56, entry #0 has 48: every entry of the array must have the same struct_size (it is the stride)".
    public let message: String

    /// Makes an error with its message.
    public init(message: String) {
        self.message = message
    }
}
