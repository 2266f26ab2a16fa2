import Foundation
@_spi(Neko) import NekoCore
import NekoLoader
import NekoServe

/// Calls through `nekoctl serve`'s control socket: one client, one
/// connection, request after request: the pluggy peer's call (hello.save),
/// or what a user's client does (hello.greet), to an in-process or an
/// isolated plugin.
enum SocketBench {
    static func run(
        pluginsDirectory: String, in folder: String, isolated: Bool = false, entry: String = "save", iterations: Int = 5_000
    ) -> (perCall: Double, perSecond: Double) {
        let root = "\(folder)/plugins"
        try! FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for id in ["cgreet", "hello"] { try! FileManager.default.copyItem(atPath: "\(pluginsDirectory)/\(id)", toPath: "\(root)/\(id)") }
        var options = HostOptions(roots: [root])
        options.cacheDirectory = "\(folder)/cache"
        options.isolateAll = isolated
        let host = PluginHost(options: options)
        host.loadAll()
        let server = ControlServer(host: host, path: "\(folder)/run/nekoctl.sock")
        try! server.start()
        let client = try! ControlClient(path: "\(folder)/run/nekoctl.sock")
        let arguments: JSONObject = entry == "greet" ? ["name": "Ada"] : ["key": "a", "value": "b"]
        let request: JSONObject = ["plugin": "hello", "entry": .string(entry), "args": .object(arguments)]
        let perCall = Measure.median(iterations: iterations) { iterations in
            for _ in 0..<iterations { Measure.keep(try! client.request("call", request)) }
        }
        _ = server.stop(drainingAtMost: .seconds(1))
        host.shutdown()
        return (perCall, 1e9 / perCall)
    }
}
