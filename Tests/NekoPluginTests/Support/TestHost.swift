import Foundation
import NekoABI
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

    private let logged = Mutex<[String]>([])
    private let table = UnsafeMutablePointer<neko_host>.allocate(capacity: 1)
    private var strings: [UnsafeMutablePointer<CChar>] = []
    private let config: [UInt8]

    /// A host for plugin `id`, with `config` as its plugin.toml tables.
    init(id: String, config: String = "{}") throws {
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
