import Foundation
import NekoCore
import NekoLoader
import NekoServe

/// Calls through `nekoctl serve`'s control socket: one client, one
/// connection, the pluggy peer's call (hello.save), request after request.
enum SocketBench {
    static func run(pluginsDirectory: String, in folder: String) -> (perCall: Double, perSecond: Double) {
        let root = "\(folder)/plugins"
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for id in ["cgreet", "hello"] { try! FileManager.default.copyItem(atPath: "\(pluginsDirectory)/\(id)", toPath: "\(root)/\(id)") }
        var options = HostOptions(roots: [root])
        options.cacheDirectory = "\(folder)/cache"
        let host = PluginHost(options: options)
        host.loadAll()
        let server = ControlServer(host: host, path: "\(folder)/run/nekoctl.sock")
        try! server.start()
        let client = try! ControlClient(path: "\(folder)/run/nekoctl.sock")
        let request: JSONObject = ["plugin": "hello", "entry": "save", "args": ["key": "a", "value": "b"]]
        let perCall = Measure.median(iterations: 5_000) { iterations in
            for _ in 0..<iterations { Measure.keep(try! client.request("call", request)) }
        }
        _ = server.stop(drainingAtMost: .seconds(1))
        host.shutdown()
        return (perCall, 1e9 / perCall)
    }
}
