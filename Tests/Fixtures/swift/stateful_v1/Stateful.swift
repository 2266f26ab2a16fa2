import NekoPlugin
import Synchronization

/// Build 1 of the `stateful` fixture (Tests/Fixtures/swift/README.md).
final class Stateful: Plugin {
    static let id = "stateful"

    static let entries: [Entry<Stateful>] = [
        Entry("bump", description: "Counts one more, keeping `note`.", Stateful.bump),
        Entry("state", description: "The state, and which build serves it.", Stateful.state),
    ]

    struct Note: Codable, Sendable { var text: String }
    struct Inner: Codable, Sendable { var depth = 1 }
    struct State: Codable, Sendable {
        var count = 0
        var notes: [Note] = []
        var tags: [String: Int] = [:]
        var inner = Inner()
        var legacy = "old"
    }
    struct Bump: Codable, Sendable { var note: String }
    struct Served: Codable, Sendable { var build: Int; var state: State }

    private let shared = Mutex(State())

    init(context: PluginContext) {}

    func bump(_ bump: Bump) -> Served {
        Served(build: 1, state: shared.withLock { state in
            state.count += 1
            state.notes.append(Note(text: bump.note))
            state.tags[bump.note] = state.count
            state.inner.depth += 1
            return state
        })
    }

    func state() -> Served { Served(build: 1, state: shared.withLock { $0 }) }
}

extension Stateful: StatefulPlugin {
    func saveState() -> State { shared.withLock { $0 } }
    func restoreState(_ state: State) { shared.withLock { $0 = state } }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Stateful.self, host) }
