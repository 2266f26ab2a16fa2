import NekoPlugin
import Synchronization

/// Build 4 of the `stateful` fixture: `count` is now a string and `notes` an
/// array of integers, with no migration: build 1's state does not fit
/// (Tests/Fixtures/swift/README.md).
final class Stateful: Plugin {
    static let id = "stateful"

    static let entries: [Entry<Stateful>] = [
        Entry("bump", description: "Counts one more, keeping `note`.", Stateful.bump),
        Entry("state", description: "The state, and which build serves it.", Stateful.state),
    ]

    struct State: Codable, Sendable {
        var count = ""
        var notes: [Int] = []
    }
    struct Bump: Codable, Sendable { var note: String }
    struct Served: Codable, Sendable { var build: Int; var state: State }

    private let shared = Mutex(State())

    init(context: PluginContext) {}

    func bump(_ bump: Bump) -> Served {
        Served(build: 4, state: shared.withLock { state in
            state.count += "|"
            state.notes.append(bump.note.count)
            return state
        })
    }

    func state() -> Served { Served(build: 4, state: shared.withLock { $0 }) }
}

extension Stateful: StatefulPlugin {
    func saveState() -> State { shared.withLock { $0 } }
    func restoreState(_ state: State) { shared.withLock { $0 = state } }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Stateful.self, host) }
