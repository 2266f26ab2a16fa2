import NekoPlugin
import Synchronization

/// The seed's thread-safety example. Python needs `threading.Lock()` and
/// discipline; here the plugin type is `Sendable`, so the compiler refuses
/// any shared mutable state that is not behind a `Mutex` (or in an actor).
final class ThreadSafe: Plugin {
    static let id = "thread_safe"

    static let entries: [Entry<ThreadSafe>] = [
        Entry("update", description: "Sets `key` to `value` in the shared state.", hints: [.destructive], ThreadSafe.update),
        Entry("snapshot", description: "The shared state: the data, how many updates and timer ticks.", hints: [.readOnly, .idempotent], ThreadSafe.snapshot),
    ]

    static let timers: [IntervalTimer<ThreadSafe>] = [
        IntervalTimer("tick", every: .milliseconds(10), ThreadSafe.tick),
    ]

    struct Change: Codable, Sendable {
        var key: String
        var value: String
    }

    struct State: Codable, Sendable {
        var data: [String: String] = [:]
        var updates = 0
        var ticks = 0
    }

    private let shared = Mutex(State())

    init(context: PluginContext) {}

    func update(_ change: Change) -> [String: Bool] {
        shared.withLock { state in
            state.data[change.key] = change.value
            state.updates += 1
        }
        return ["updated": true]
    }

    func snapshot() -> State {
        shared.withLock { $0 }
    }

    /// Runs every 10 ms beside the entries, writing the same state.
    func tick() {
        shared.withLock { state in
            state.ticks += 1
            state.data["last_tick"] = String(state.ticks)
        }
    }
}

/// Hot reload keeps the shared state: the old generation saves it, the new
/// one takes it over before it starts.
extension ThreadSafe: StatefulPlugin {
    func saveState() -> State {
        shared.withLock { $0 }
    }

    func restoreState(_ state: State) {
        shared.withLock { $0 = state }
    }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(ThreadSafe.self, host) }
