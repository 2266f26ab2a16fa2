import NekoPlugin
import NekoPluginTesting
import Testing

// docs/SDK.md, "A plugin in one file" and "Testing a plugin".

struct Greeter: Plugin {
    static let entries = [
        Entry("greet", description: "Greets `name`.", Greeter.greet),
    ]

    struct Who: Codable { var name: String }
    struct Greeting: Codable { var greeting: String }

    func greet(_ who: Who) -> Greeting {
        Greeting(greeting: "Hello, \(who.name)!")
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Greeter.self) }

@Suite struct QuickStartExample {
    @Test func greeterGreets() async throws {
        let harness = try PluginHarness(Greeter.self, manifest: HarnessManifest(id: "greeter"))
        let greeting = try await harness.call("greet", Greeter.Who(name: "Ada"), as: Greeter.Greeting.self)
        #expect(greeting.greeting == "Hello, Ada!")
    }
}
