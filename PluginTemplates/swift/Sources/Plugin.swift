import NekoPlugin
import Synchronization

/// The plugin: the host makes one instance and calls its entries, often
/// from several threads at once, hence `Sendable` and the `Mutex`.
final class __TYPE__: Plugin {
    static let id = "__ID__"

    static let entries: [Entry<__TYPE__>] = [
        Entry("hello", description: "Greets `name`.", __TYPE__.hello),
        Entry("count", description: "How many greetings so far.", __TYPE__.count),
    ]

    /// The `[greeting]` table of plugin.toml.
    struct GreetingConfig: Codable, Sendable {
        var word = "Hello"
    }

    struct Who: Codable, Sendable {
        var name: String
    }

    struct Greeting: Codable, Sendable {
        var greeting: String
    }

    struct Count: Codable, Sendable {
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

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(__TYPE__.self, host) }
