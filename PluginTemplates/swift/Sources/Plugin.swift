import NekoPlugin

/// The plugin: the host makes one instance and calls its entries, often
/// from several threads at once, hence `Sendable` and the `Mutex`. Its id
/// is the one in plugin.toml.
final class __TYPE__: Plugin {
    static let entries = [
        Entry("hello", description: "Greets `name`.", __TYPE__.hello),
        Entry("count", description: "How many greetings so far.", __TYPE__.count),
    ]

    /// The `[greeting]` table of plugin.toml.
    struct GreetingConfig: Decodable {
        var word = "Hello"
    }

    struct Who: Decodable {
        var name: String
    }

    struct Greeting: Encodable {
        var greeting: String
    }

    struct Count: Encodable {
        var greeted: Int
    }

    private let context: PluginContext
    private let config: GreetingConfig
    private let greeted = Mutex(0)

    init(context: PluginContext) throws {
        self.context = context
        config = try context.config("greeting", as: GreetingConfig.self)
    }

    func hello(_ who: Who) -> Greeting {
        greeted.withLock { $0 += 1 }
        context.logger.info("greeting \(who.name)")
        return Greeting(greeting: "\(config.word), \(who.name)!")
    }

    func count() -> Count {
        Count(greeted: greeted.withLock { $0 })
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(__TYPE__.self) }
