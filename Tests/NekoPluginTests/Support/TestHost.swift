import Foundation
import NekoABI
@_spi(Neko) import NekoCore
@testable import NekoPlugin
import Synchronization

/// A host for the SDK's own tests: a real `neko_host` table over a temporary
/// plugin folder, whose `log` keeps the lines the plugin writes. The SDK's
/// instances are made from it exactly as the C thunks make them.
final class TestHost: @unchecked Sendable {
    /// The plugin's folder (and data folder), removed at the end.
    let folder: String
    /// The log lines the plugin wrote, in order.
    var lines: [String] { logged.withLock { $0 } }

    /// The `neko_host` layout this host was built with.
    enum Layout { case abi1_0, abi1_1 }

    /// What the plugin did through the 1.1 functions, and what it should not have done.
    struct Record {
        /// Progress reports, with the call each one named.
        var progress: [(call: UnsafeRawPointer?, report: CallProgress)] = []
        /// Outgoing calls (`neko_host.call`), as the plugin filled them in, in order.
        var calls: [Outgoing] = []
        /// The calls the plugin asked to cancel (`neko_host.cancel`).
        var cancels: [UnsafeRawPointer?] = []
        /// Functions beyond a 1.0 host's `struct_size` that the plugin called anyway.
        var violations: [String] = []
    }

    /// An outgoing call the plugin made, with the fields it set.
    struct Outgoing: @unchecked Sendable {  // `call` is valid until the host completes it
        let call: UnsafePointer<neko_call>
        let plugin: String, entry: String
        let structSize: Int
        let timeoutMilliseconds: UInt32
        let deadline: UInt64
        let parent: UnsafePointer<neko_call>?
        let arguments: String
    }

    /// The record so far.
    var record: Record { recorded.withLock { $0 } }
    /// Whether `neko_host.cancel` completes the call at once, inside `cancel` (as a host may).
    let completesOnCancel: Bool

    private let recorded = Mutex(Record())
    /// Calls the plugin made that the test has not completed yet.
    private let pending = Mutex<Set<UInt>>([])
    /// Wakes `next(where:)` at every change of `record`.
    private let changed = LockAndCondition()
    private let logged = Mutex<[String]>([])
    private let table = UnsafeMutablePointer<neko_host>.allocate(capacity: 1)
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let config: [UInt8]

    /// A host for plugin `id`, with `config` as its plugin.toml tables.
    init(id: String, config: String = "{}", layout: Layout = .abi1_1, completesOnCancel: Bool = true) throws {
        self.completesOnCancel = completesOnCancel
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("neko-sdk-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        self.config = Array(config.utf8)
        let copy = { (text: String) -> UnsafeMutablePointer<CChar> in strdup(text)! }
        strings = [copy("sdk-tests"), copy(id), copy(folder)]
        table.initialize(to: neko_host())
        table.pointee.struct_size = UInt32(MemoryLayout<neko_host>.size)
        table.pointee.host_name = UnsafePointer(strings[0])
        table.pointee.plugin_id = UnsafePointer(strings[1])
        table.pointee.plugin_dir = UnsafePointer(strings[2])
        table.pointee.data_dir = UnsafePointer(strings[2])
        table.pointee.host_data = Unmanaged.passUnretained(self).toOpaque()
        table.pointee.log = { host, _, message, length in
            guard let host, let data = host.pointee.host_data, let message else { return }
            let me = Unmanaged<TestHost>.fromOpaque(data).takeUnretainedValue()
            let line = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
            me.logged.withLock { $0.append(line) }
        }
        table.pointee.call = { host, plugin, entry, call in
            guard let call else { return }
            let me = TestHost.of(host)
            let arguments = String(decoding: UnsafeRawBufferPointer(start: call.pointee.args, count: call.pointee.args_len), as: UTF8.self)
            let outgoing = Outgoing(
                call: call, plugin: plugin.map { String(cString: $0) } ?? "", entry: entry.map { String(cString: $0) } ?? "",
                structSize: call.structSize, timeoutMilliseconds: call.pointee.timeout_ms,
                deadline: call.has(\.deadline_ns) ? call.pointee.deadline_ns : 0,
                parent: call.has(\.parent) ? call.pointee.parent : nil, arguments: arguments)
            me.pending.withLock { _ = $0.insert(UInt(bitPattern: call)) }
            me.change { $0.calls.append(outgoing) }
        }
        switch layout {
        case .abi1_1:
            table.pointee.cancel = { host, call in
                let me = TestHost.of(host)
                me.change { $0.cancels.append(call.map(UnsafeRawPointer.init)) }
                if me.completesOnCancel, let call { me.complete(call, status: Int32(NEKO_ERR_CANCELED), "canceled by the test host") }
            }
            table.pointee.progress = { host, call, done, total, message, length in
                let text = String(decoding: UnsafeRawBufferPointer(start: message, count: length), as: UTF8.self)
                let report = CallProgress(done: done, total: total > 0 ? total : nil, message: text)
                TestHost.of(host).change { $0.progress.append((call.map(UnsafeRawPointer.init), report)) }
            }
        case .abi1_0:
            // A 1.0 table ends before `cancel`: the functions past its end
            // stay there, and only record that the plugin read them.
            table.pointee.struct_size = UInt32(NEKO_HOST_SIZE_1_0)
            table.pointee.cancel = { host, _ in TestHost.of(host).change { $0.violations.append("cancel") } }
            table.pointee.progress = { host, _, _, _, _, _ in TestHost.of(host).change { $0.violations.append("progress") } }
        }
    }

    private static func of(_ host: UnsafePointer<neko_host>?) -> TestHost {
        Unmanaged<TestHost>.fromOpaque(host!.pointee.host_data!).takeUnretainedValue()
    }

    private func change(_ body: (inout Record) -> Void) {
        recorded.withLock { body(&$0) }
        changed.notifyAll()
    }

    /// Completes an outgoing call the plugin made, once: a second completion
    /// of the same call is ignored (as the host's contract says).
    /// - Returns: whether this completed it.
    @discardableResult
    func complete(_ call: UnsafePointer<neko_call>, status: Int32 = Int32(NEKO_OK), _ text: String) -> Bool {
        guard pending.withLock({ $0.remove(UInt(bitPattern: call)) != nil }) else { return false }
        var bytes = Array(text.utf8)
        bytes.withUnsafeMutableBufferPointer { data in
            var result = neko_result(struct_size: UInt32(MemoryLayout<neko_result>.size), status: status,
                                     data: UnsafePointer(data.baseAddress), len: data.count, field: nil)
            call.pointee.complete(call, &result)
        }
        return true
    }

    /// Waits until the record satisfies `condition` (checked at each change;
    /// 10 s at most, a bound for a broken test, not a synchronization).
    /// Blocks its thread: call it from a test's own thread, not from a task
    /// that the plugin's work needs.
    func wait(until condition: (Record) -> Bool) -> Record {
        _ = changed.wait(until: .now + .seconds(10)) { condition(record) }
        return record
    }

    deinit {
        strings.forEach { free($0) }
        table.deallocate()
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// A new instance of `P`, as `create` makes it.
    func instance<P: Plugin>(of type: P.Type) throws -> Instance<P> {
        // The context reads the configuration once, as it is made.
        try config.withUnsafeBufferPointer { bytes in
            table.pointee.config_json = bytes.baseAddress
            table.pointee.config_json_len = bytes.count
            defer { table.pointee.config_json = nil; table.pointee.config_json_len = 0 }
            return try Instance<P>(host: HostTable(pointer: UnsafePointer(table)))
        }
    }
}
