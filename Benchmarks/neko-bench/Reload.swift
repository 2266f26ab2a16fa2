import Foundation
import NekoLoader
import NekoServe

/// Hot reload, in-process: from a new library renamed into place to the
/// first call answered by the new generation, and what each reload keeps
/// in memory (a Swift image is never unmapped).
enum ReloadBench {
    static func run(pluginsDirectory: String, in folder: String) -> (latencies: [Double], watched: [Double], bytesPerReload: Double, generation: Int) {
        let root = "\(folder)/plugins"
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try! FileManager.default.copyItem(atPath: "\(pluginsDirectory)/thread_safe", toPath: "\(root)/thread_safe")
        var options = HostOptions(roots: [root])
        options.cacheDirectory = "\(folder)/cache"
        let host = PluginHost(options: options)
        host.loadAll()
        let library = "\(root)/thread_safe/libthread_safe.so"
        let update = Array(#"{"key":"k","value":"v"}"#.utf8)
        _ = try! host.callBlocking("thread_safe", "update", arguments: update)
        let before = residentBytes()
        var latencies: [Double] = []
        for _ in 0..<20 {
            // A build's last step: a new file renamed over the old one.
            try! FileManager.default.copyItem(atPath: library, toPath: library + ".new")
            rename(library + ".new", library)
            let start = ContinuousClock.now
            _ = try! host.reload("thread_safe").get()
            _ = try! host.callBlocking("thread_safe", "update", arguments: update)
            latencies.append(Measure.nanoseconds(ContinuousClock.now - start))
        }
        let growth = Double(residentBytes() - before) / 20
        // The same, driven by the watcher (nekoctl serve --watch): the rename
        // alone triggers the reload.
        let watcher = PluginWatcher(host: host, roots: [root])
        try! watcher.start()
        var watched: [Double] = []
        for _ in 0..<20 {
            let generation = host.plugin("thread_safe")?.generation ?? 0
            try! FileManager.default.copyItem(atPath: library, toPath: library + ".new")
            let start = ContinuousClock.now
            rename(library + ".new", library)
            while (host.plugin("thread_safe")?.generation ?? 0) == generation { usleep(100) }
            _ = try! host.callBlocking("thread_safe", "update", arguments: update)
            watched.append(Measure.nanoseconds(ContinuousClock.now - start))
        }
        watcher.stop()
        let generation = host.plugin("thread_safe")?.generation ?? 0
        host.shutdown()
        return (latencies, watched, growth, generation)
    }

    /// The resident set size, from /proc/self/statm.
    static func residentBytes() -> Int {
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8) else { return 0 }
        let fields = text.split(separator: " ")
        return (fields.count > 1 ? Int(fields[1]) ?? 0 : 0) * Int(sysconf(Int32(_SC_PAGESIZE)))
    }
}
