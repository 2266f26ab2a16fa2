import Foundation
import NekoABI
import NekoLoader

/// What a call is compared with.
enum Baseline {
    /// A Swift function the optimizer may neither inline nor see through.
    @inline(never) @_optimize(none)
    static func direct(_ value: Int) -> Int { value &+ 1 }

    /// A raw C function pointer: cgreet's `neko_plugin_register`, which only
    /// returns a pointer.
    static func cFunctionPointer(pluginsDirectory: String) -> neko_register_fn {
        guard let handle = dlopen("\(pluginsDirectory)/cgreet/libcgreet.so", RTLD_NOW | RTLD_LOCAL),
              let symbol = dlsym(handle, NEKO_REGISTER_SYMBOL) else {
            fatalError("cannot open \(pluginsDirectory)/cgreet/libcgreet.so: run make plugins")
        }
        return unsafeBitCast(symbol, to: neko_register_fn.self)
    }

    /// Foundation's JSONDecoder + JSONEncoder on the same small object.
    static func foundationJSON() -> Double {
        struct Who: Codable { var name: String }
        struct Greeting: Codable { var greeting: String }
        let decoder = JSONDecoder(), encoder = JSONEncoder()
        let input = Data(#"{"name":"Ada"}"#.utf8)
        return Measure.median(iterations: 50_000) { iterations in
            for _ in 0..<iterations {
                let who = try! decoder.decode(Who.self, from: input)
                Measure.keep(try! encoder.encode(Greeting(greeting: "Hello, \(who.name)!")))
            }
        }
    }
}

/// 100 distinct C plugins made from the C template, for the load figure.
enum HundredPlugins {
    static func make(in folder: String, template: String) -> HostOptions {
        let root = "\(folder)/plugins"
        let source = try! String(contentsOfFile: template, encoding: .utf8)
        let include = URL(fileURLWithPath: template).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("SDK/Sources/NekoABI/include").path
        for index in 0..<100 {
            let id = String(format: "p%03d", index)
            let dir = "\(root)/\(id)"
            try! FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try! """
                [plugin]
                id = "\(id)"
                name = "\(id)"
                version = "0.1.0"
                abi = "1.0"
                """.write(toFile: "\(dir)/plugin.toml", atomically: true, encoding: .utf8)
            try! source.replacingOccurrences(of: "__ID__", with: id).replacingOccurrences(of: "__TYPE__", with: id)
                .write(toFile: "\(dir)/plugin.c", atomically: true, encoding: .utf8)
            let cc = Process()
            cc.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            cc.arguments = ["cc", "-std=c11", "-O1", "-fPIC", "-shared", "-I", include, "\(dir)/plugin.c", "-o", "\(dir)/lib\(id).so"]
            try! cc.run()
            cc.waitUntilExit()
        }
        var options = HostOptions(roots: [root])
        options.cacheDirectory = "\(folder)/cache"
        return options
    }
}

/// Prints the figures.
enum Report {
    static func header() {
        print("Neko benchmarks: release build, medians of \(Measure.rounds) rounds, on \(ProcessInfo.processInfo.activeProcessorCount) CPUs")
    }

    static func section(_ title: String) {
        print("\n\(title)")
    }

    static func row(_ label: String, _ nanoseconds: Double, note: String = "") {
        let padded = label.padding(toLength: 54, withPad: " ", startingAt: 0)
        let value = time(nanoseconds).padding(toLength: 10, withPad: " ", startingAt: 0)
        print("  \(padded) \(value) \(note)")
    }

    static func note(_ text: String) {
        print("  \(text)")
    }

    static func time(_ nanoseconds: Double) -> String {
        if nanoseconds < 1_000 { return String(format: "%.1f ns", nanoseconds) }
        if nanoseconds < 1_000_000 { return String(format: "%.2f µs", nanoseconds / 1_000) }
        return String(format: "%.2f ms", nanoseconds / 1_000_000)
    }
}
