import NekoPlugin
import Synchronization

/// Build 3 of the `stateful` fixture: state version 2, where `count` became
/// `total`; `migrateState` renames it (Tests/Fixtures/swift/README.md).
final class Stateful: Plugin {
    static let id = "stateful"

    static let entries: [Entry<Stateful>] = [
        Entry("bump", description: "Counts one more, keeping `note`.", Stateful.bump),
        Entry("state", description: "The state, and which build serves it.", Stateful.state),
    ]

    struct Note: Codable, Sendable { var text: String }
    struct State: Codable, Sendable {
        var total = 0
        var notes: [Note] = []
        var migratedFrom: Int?
    }
    struct Bump: Codable, Sendable { var note: String }
    struct Served: Codable, Sendable { var build: Int; var state: State }

    private let shared = Mutex(State())

    init(context: PluginContext) {}

    func bump(_ bump: Bump) -> Served {
        Served(build: 3, state: shared.withLock { state in
            state.total += 1
            state.notes.append(Note(text: bump.note))
            return state
        })
    }

    func state() -> Served { Served(build: 3, state: shared.withLock { $0 }) }
}

extension Stateful: StatefulPlugin {
    static let stateVersion = 2

    func saveState() -> State { shared.withLock { $0 } }
    func restoreState(_ state: State) { shared.withLock { $0 = state } }

    func migrateState(_ saved: JSON, from version: Int) throws -> JSON {
        guard var state = saved.objectValue else { return saved }
        if version < 2 {
            guard let count = state.removeValue(forKey: "count"), count.intValue != nil else {
                throw CallError.invalidArgument("count", "version 1's 'count' must be an integer to become 'total', got \(saved["count"] ?? "nothing")")
            }
            state["total"] = count
        }
        state["migratedFrom"] = .int(Int64(version))
        return .object(state)
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(Stateful.self, host) }
