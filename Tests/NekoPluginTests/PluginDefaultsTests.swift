import NekoABI
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import Testing

/// The light form of a plugin: no id (the manifest's stands: the descriptor
/// says NULL), no initializer, argument and result types that are only
/// `Decodable` and `Encodable` (not `Sendable`), even for an async entry;
/// and the old form (a declared id) still written into the descriptor.
@Suite struct PluginDefaultsTests {
    /// No id, no init, no `Sendable` on its types.
    struct Light: Plugin {
        static let entries = [
            Entry("sum", Light.sum),
            Entry("sum_later", Light.sumLater),
        ]

        /// A class, so not `Sendable`: the async entry hands it to its task whole.
        final class Numbers: Decodable { var values: [Int] }
        struct Total: Encodable { var total: Int }

        func sum(_ numbers: Numbers) -> Total { Total(total: numbers.values.reduce(0, +)) }

        func sumLater(_ numbers: Numbers) async -> Total {
            await Task.yield()
            return Total(total: numbers.values.reduce(0, +))
        }
    }

    /// The 1.0 form: a declared id and an empty init.
    final class Declared: Plugin {
        static let id = "declared"
        static let entries: [Entry<Declared>] = []
        init(context: PluginContext) throws {}
    }

    /// A stored property without a value and no initializer: it cannot be made.
    struct Unmakeable: Plugin {
        static let entries: [Entry<Unmakeable>] = []
        let word: String
    }

    @Test func aPluginWithoutAnIdLeavesTheDescriptorsIdNull() {
        #expect(Exported.build(Light.self).pointee.plugin_id == nil)
    }

    @Test func aDeclaredIdIsStillWrittenIntoTheDescriptor() throws {
        let id = try #require(Exported.build(Declared.self).pointee.plugin_id)
        #expect(String(cString: id) == "declared")
        _ = try TestHost(id: "declared").instance(of: Declared.self)
    }

    @Test func aPluginWithoutAnInitIsMadeAndItsTypedEntriesAnswer() throws {
        let host = try TestHost(id: "light")
        let instance = try host.instance(of: Light.self)
        for entry in 0..<2 {
            let call = TestCall(entry: entry, #"{"values":[1,2,39]}"#)
            instance.invoke(call.pointer)
            let result = try #require(call.result())
            #expect(result.status == Int32(NEKO_OK))
            #expect(try JSON.parse(result.text) == ["total": 42])
        }
    }

    @Test func aPluginThatCannotBeMadeRefusesTheLoadSayingWhy() throws {
        let error = try #require(throws: CallError.self) { try TestHost(id: "unmakeable").instance(of: Unmakeable.self) }
        #expect(error.message == "Unmakeable declares neither init(context:) nor init(): declare one of them")
    }
}
