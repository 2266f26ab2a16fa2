import FoundationEssentials
import Testing
@testable import NekoLoader

/// `[plugin.permissions]` and `isolation = "sandbox"` in plugin.toml: what is
/// accepted, and every bad value named with the file, the field and what was expected.
@Suite struct PermissionsManifestTests {
    func load(_ tail: String, plugin extra: String = "", in sandbox: Sandbox) throws -> PluginManifest {
        let folder = sandbox.plugin("hostile", toml: manifest("hostile", plugin: extra, after: tail))
        return try PluginManifest.load(folder: folder)
    }

    @Test func fullTableIsRead() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hostile", toml: manifest("hostile", after: """
            [plugin.permissions]
            read = ["assets", "/usr/share/zoneinfo"]
            write = ["cache", "/tmp"]
            network = ["api.example.com:443", "127.0.0.1:8080", "[::1]:9000"]
            exec = ["/bin/true"]
            env = ["LANG", "MY_TOKEN_2"]
            require_sandbox = true

            [plugin_runtime]
            isolation = "sandbox"
            """))
        try FileManager.default.createDirectory(atPath: "\(folder)/assets", withIntermediateDirectories: true)
        let loaded = try PluginManifest.load(folder: folder)
        let permissions = try #require(loaded.permissions)
        #expect(loaded.runtime.isolation == .sandbox)
        #expect(permissions.read == ["\(loaded.folder)/assets", "/usr/share/zoneinfo"])
        #expect(permissions.write == ["\(loaded.folder)/cache", "/tmp"])
        #expect(permissions.network == .endpoints([
            .init(host: "api.example.com", port: 443), .init(host: "127.0.0.1", port: 8080), .init(host: "::1", port: 9000),
        ]))
        #expect(permissions.exec == ["/bin/true"])
        #expect(permissions.env == ["LANG", "MY_TOKEN_2"])
        #expect(permissions.requireSandbox)
        // `cache` does not exist: a warning, not a failure.
        #expect(loaded.warnings.contains { $0.contains("[plugin.permissions].write[0] = \"cache\": no such file or folder") })
        #expect(permissions.broadGrants.isEmpty)
    }

    @Test func defaultsAndWords() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let plain = try load("[plugin_runtime]\nisolation = \"sandbox\"", in: sandbox)
        #expect(plain.permissions == nil, "no table: the defaults apply")
        #expect(plain.runtime.isolation.usesWorker)
        for (text, network) in [("none", PluginManifest.Permissions.Network.none), ("loopback", .loopback), ("any", .any)] {
            let loaded = try load("[plugin.permissions]\nnetwork = \"\(text)\"\nexec = false\n[plugin_runtime]\nisolation = \"sandbox\"", in: sandbox)
            #expect(loaded.permissions?.network == network)
            #expect(loaded.permissions?.exec == [])
        }
    }

    @Test func permissionsWithoutSandboxWarn() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try load("[plugin.permissions]\nnetwork = \"any\"", in: sandbox)
        #expect(loaded.warnings.contains { $0.hasSuffix("plugin.toml: [plugin.permissions] is enforced only with [plugin_runtime].isolation = \"sandbox\" (it is \"none\")") })
    }

    @Test func broadGrantsAreNamed() throws {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let loaded = try load("[plugin.permissions]\nwrite = [\"/\"]\nread = [\"/home\"]\nnetwork = \"any\"\n[plugin_runtime]\nisolation = \"sandbox\"", in: sandbox)
        #expect(loaded.permissions?.broadGrants == [
            "write = [\"/\"]: the plugin may write anywhere under /",
            "read = [\"/home\"]: the plugin may read anywhere under /home",
            "network = \"any\": the plugin may connect anywhere",
        ])
    }

    @Test(arguments: [
        ("isolation = \"jail\"", "[plugin_runtime].isolation = \"jail\": expected \"none\"", true),
        ("read = \"assets\"", "[plugin.permissions].read = \"assets\": expected an array of paths", false),
        ("read = [3]", "[plugin.permissions].read[0] = 3: expected a string, found an integer", false),
        ("read = [\"../other\"]", "[plugin.permissions].read[0] = \"../other\": expected a path without '..'", false),
        ("write = [\"/srv/../etc\"]", "[plugin.permissions].write[0] = \"/srv/../etc\": expected a path without '..'", false),
        ("write = [\"\"]", "[plugin.permissions].write[0] = \"\": expected a path without '..'", false),
        ("network = \"internet\"", "[plugin.permissions].network = \"internet\": expected \"none\", \"loopback\", \"any\" or an array of \"host:port\"", false),
        ("network = 443", "[plugin.permissions].network = 443: expected \"none\", \"loopback\", \"any\" or an array of \"host:port\", found an integer", false),
        ("network = [\"example.com\"]", "[plugin.permissions].network[0] = \"example.com\": expected \"host:port\" with a port from 1 to 65535", false),
        ("network = [\"example.com:0\"]", "[plugin.permissions].network[0] = \"example.com:0\": expected \"host:port\"", false),
        ("network = [\"example.com:70000\"]", "[plugin.permissions].network[0] = \"example.com:70000\": expected \"host:port\"", false),
        ("network = [\"a b:80\"]", "[plugin.permissions].network[0] = \"a b:80\": expected \"host:port\"", false),
        ("exec = true", "[plugin.permissions].exec = true: expected false or an array of absolute program paths", false),
        ("exec = [\"sh\"]", "[plugin.permissions].exec[0] = \"sh\": expected an absolute program path", false),
        ("exec = \"/bin/sh\"", "[plugin.permissions].exec = \"/bin/sh\": expected false or an array of absolute program paths", false),
        ("env = [\"1ABC\"]", "[plugin.permissions].env[0] = \"1ABC\": expected an environment variable name", false),
        ("env = [\"A=B\"]", "[plugin.permissions].env[0] = \"A=B\": expected an environment variable name", false),
        ("require_sandbox = \"yes\"", "[plugin.permissions].require_sandbox = \"yes\": expected a boolean (true or false), found a string", false),
        ("permissions = 3", "[plugin].permissions = 3: expected a table, found an integer", true),
    ])
    func badValuesAreNamed(line: String, message: String, standalone: Bool) {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let tail: String
        if line.hasPrefix("isolation") {
            tail = "[plugin_runtime]\n\(line)"
        } else if standalone {
            tail = ""
        } else {
            tail = "[plugin.permissions]\n\(line)\n[plugin_runtime]\nisolation = \"sandbox\""
        }
        let folder = sandbox.plugin("hostile", toml: manifest("hostile", plugin: standalone && !line.hasPrefix("isolation") ? line : "", after: tail))
        expectFailure(folder, ["\(folder)/plugin.toml: ", message])
    }

    @Test func unknownKeyIsNamed() {
        let sandbox = Sandbox()
        defer { sandbox.remove() }
        let folder = sandbox.plugin("hostile", toml: manifest("hostile", after: "[plugin.permissions]\nnetwrk = \"none\""))
        expectFailure(folder, strict: true, ["unknown key `netwrk` in [plugin.permissions]; did you mean `network`?"])
    }
}
