import NekoPlugin
import NekoPluginTesting
import Testing

// docs/SDK.md, "A plugin in one file" and "Testing a plugin".

final class Greeter: Plugin {
    static let id = "greeter"

    static let entries: [Entry<Greeter>] = [
        Entry("greet", description: "Greets `name`.", Greeter.greet),
    ]

    struct Who: Codable, Sendable { var name: String }
    struct Greeting: Codable, Sendable { var greeting: String }

    init(context: PluginContext) throws {}

    func greet(_ who: Who) -> Greeting {
        Greeting(greeting: "Hello, \(who.name)!")
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Greeter.self, host) }

@Suite struct QuickStartExample {
    @Test func greeterGreets() async throws {
        let harness = try PluginHarness(Greeter.self, manifest: HarnessManifest(id: "greeter"))
        let greeting = try await harness.call("greet", Greeter.Who(name: "Ada"), as: Greeter.Greeting.self)
        #expect(greeting.greeting == "Hello, Ada!")
    }
}
