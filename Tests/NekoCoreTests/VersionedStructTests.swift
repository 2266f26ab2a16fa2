import NekoABI
@_spi(Neko) import NekoCore
import Testing

/// The one way every reader reads a peer's struct: by its `struct_size`, and
/// arrays at the writer's stride (neko_abi.h, docs/ABI.md "Versioning").
@Suite struct VersionedStructTests {
    /// A zeroed host table whose writer says it is `size` bytes long.
    func hostTable(structSize size: Int, _ body: (UnsafePointer<neko_host>) -> Void) {
        var table = neko_host()
        table.struct_size = UInt32(size)
        table.log = { _, _, _, _ in }
        withUnsafePointer(to: &table) { body($0) }
    }

    @Test func the1_0SizesAreTheSizesOf1_0() {
        #expect(neko_plugin.size1_0 == 160)
        #expect(neko_entry.size1_0 == 48)
        #expect(neko_timer.size1_0 == 24)
        #expect(neko_call.size1_0 == 56)
        #expect(neko_host.size1_0 == 104)
        // Today's structs only ever grow.
        #expect(MemoryLayout<neko_call>.size >= neko_call.size1_0)
        #expect(MemoryLayout<neko_entry>.size >= neko_entry.size1_0)
    }

    @Test func aFieldIsReadOnlyWhenTheWritersStructReachesIt() {
        let logEnd = MemoryLayout<neko_host>.offset(of: \.log)! + 8
        hostTable(structSize: logEnd) { host in
            #expect(host.has(\.log))
            #expect(host.field(\.log) != nil)
            #expect(!host.has(\.emit))
            #expect(host.field(\.emit) == nil)
            #expect(!host.isAtLeast1_0)
        }
        hostTable(structSize: logEnd - 1) { host in
            #expect(!host.has(\.log))
            #expect(host.field(\.log) == nil)
        }
        hostTable(structSize: neko_host.size1_0) { host in
            #expect(host.isAtLeast1_0)
            #expect(host.has(\.get_extension))
            #expect(host.structSize == 104)
        }
        #expect(neko_host.tooShort(96) == "a neko_host of struct_size 96, expected at least 104 (the ABI 1.0 size)")
    }

    /// Entries of a future ABI: today's fields, then 24 bytes of garbage.
    struct FutureEntry { var known: neko_entry; var tail: (UInt64, UInt64, UInt64) }

    @Test func arraysAreWalkedAtTheWritersStride() throws {
        let stride = UInt32(MemoryLayout<FutureEntry>.stride)
        #expect(stride == UInt32(MemoryLayout<neko_entry>.size + 24))
        let read = futureEntries([stride, stride, stride]) { pointer in
            let array = try? DeclaredArray(pointer, count: 3, kind: "entry")
            return array.map { array in (array.stride, (0..<array.count).map { array[$0].pointee.timeout_ms }) }
        }
        #expect(read?.0 == Int(stride))
        #expect(read?.1 == [1, 2, 3])
        let empty = try DeclaredArray<neko_entry>(nil, count: 0, kind: "entry")
        #expect(empty.count == 0)
    }

    @Test func badStridesAreRefusedNamingTheElementAndBothSizes() {
        func problem(_ sizes: [UInt32]) -> String? {
            futureEntries(sizes) { pointer in
                do throws(ArrayLayoutError) {
                    _ = try DeclaredArray(pointer, count: UInt32(sizes.count), kind: "entry")
                    return nil
                } catch {
                    return error.message
                }
            }
        }
        let stride = UInt32(MemoryLayout<FutureEntry>.stride)
        #expect(problem([stride, 48]) == "entry #1 has struct_size 48, entry #0 has \(stride): every entry of the array must have the same struct_size (it is the stride)")
        #expect(problem([40, 40]) == "entry #0 has struct_size 40, expected at least 48 (the ABI 1.0 size)")
        #expect(problem([52, 52]) == "entry #0 has struct_size 52, expected a multiple of 8 (it is the stride of the array)")
        #expect(problem([stride, stride]) == nil)
    }
}

extension VersionedStructTests {
    /// Runs `body` over entries of `sizes` (`struct_size` each), laid out at
    /// the stride of `FutureEntry`, their `timeout_ms` 1, 2, 3...
    func futureEntries<T>(_ sizes: [UInt32], _ body: (UnsafePointer<neko_entry>) -> T) -> T {
        let garbage: UInt64 = 0xA5A5_A5A5_A5A5_A5A5
        var list = sizes.enumerated().map { index, size in
            var entry = neko_entry()
            entry.struct_size = size
            entry.timeout_ms = UInt32(index + 1)
            return FutureEntry(known: entry, tail: (garbage, garbage, garbage))
        }
        return list.withUnsafeMutableBytes { body($0.baseAddress!.assumingMemoryBound(to: neko_entry.self)) }
    }
}
