import NekoPlugin

/// The seed's thread-safety example. Python needs `threading.Lock()` and
/// discipline; here the plugin type is `Sendable`, so the compiler refuses
/// shared mutable state that is not behind a `Mutex` (or in an actor). A
/// 10 ms timer writes the same state, and a hot reload keeps it
/// (`StatefulPlugin`: the old generation saves it, the new one takes it over).
final class ThreadSafe: StatefulPlugin {
    static let entries = [Entry("update", description: "Sets `key` to `value` in the shared state.", ThreadSafe.update),
                          Entry("snapshot", description: "The data, how many updates and timer ticks.", ThreadSafe.snapshot)]
    static let timers = [IntervalTimer("tick", every: .milliseconds(10), ThreadSafe.tick)]
    struct Change: Decodable { var key, value: String }
    struct State: Codable { var data: [String: String] = [:], updates = 0, ticks = 0 }
    private let shared = Mutex(State())

    func update(_ change: Change) -> [String: Bool] {
        shared.withLock { $0.data[change.key] = change.value; $0.updates += 1 }
        return ["updated": true]
    }
    func snapshot() -> State { shared.withLock { $0 } }
    func tick() { shared.withLock { $0.ticks += 1; $0.data["last_tick"] = String($0.ticks) } }
    func saveState() -> State { snapshot() }
    func restoreState(_ state: State) { shared.withLock { $0 = state } }
}

@c(neko_plugin_register) public func register(_ host: HostInfo) -> Descriptor { export(ThreadSafe.self) }
