import Logging
import Synchronization

/// The breaches of the ABI contract one plugin instance committed (a call
/// completed twice), counted for its status and logged once per entry.
///
/// Immortal: a completion may come from a plugin thread long after the
/// instance is gone, and must still find its ledger. A slot refers to it by
/// address (`CallSlot.reporter`), without reference counting on the fast path.
final class ContractLedger: Sendable {
    /// The plugin's id, eg "hello".
    let pluginID: String
    /// Its entry ids, by index.
    let entryIDs: [String]
    private let logger: Logger
    private let count = Atomic<Int>(0)
    private let loggedEntries = Mutex(Set<UInt32>())
    private let first = Mutex<String?>(nil)

    private init(pluginID: String, entryIDs: [String], logger: Logger) {
        self.pluginID = pluginID
        self.entryIDs = entryIDs
        self.logger = logger
    }

    /// Makes a ledger that lives as long as the process.
    static func make(pluginID: String, entryIDs: [String], logger: Logger) -> ContractLedger {
        let ledger = ContractLedger(pluginID: pluginID, entryIDs: entryIDs, logger: logger)
        _ = Unmanaged.passRetained(ledger)
        return ledger
    }

    /// The address a `CallSlot` keeps.
    var address: UnsafeRawPointer { UnsafeRawPointer(Unmanaged.passUnretained(self).toOpaque()) }

    /// The ledger at `address` (from `CallSlot.reporter`).
    static func at(_ address: UnsafeRawPointer) -> ContractLedger {
        Unmanaged<ContractLedger>.fromOpaque(address).takeUnretainedValue()
    }

    /// How many contract violations the plugin committed.
    var violations: Int { count.load(ordering: .relaxed) }

    /// The log line of the first violation, if any.
    var firstReport: String? { first.withLock { $0 } }

    private func record(_ entryIndex: UInt32, _ message: @autoclosure () -> String) {
        count.wrappingAdd(1, ordering: .relaxed)
        guard loggedEntries.withLock({ $0.insert(entryIndex).inserted }) else { return }
        let text = message()
        first.withLock { if $0 == nil { $0 = text } }
        logger.error("\(text)", metadata: ["plugin": "\(pluginID)"])
    }

    /// Records a second completion of a call of entry `entryIndex`; `callID`
    /// 0 means a call without an id (a sync call of a 1.0-era caller).
    func repeatedCompletion(entryIndex: UInt32, callID: UInt64) {
        record(entryIndex, Self.repeatedMessage(plugin: pluginID, entry: entryName(entryIndex), callID: callID))
    }

    /// Records a sync call of entry `entryIndex` whose `invoke` returned
    /// without completing it (it then ends at its deadline with `timeout`).
    func returnedIncomplete(entryIndex: UInt32) {
        record(entryIndex, Self.incompleteMessage(plugin: pluginID, entry: entryName(entryIndex)))
    }

    /// The log line of a sync call left incomplete.
    static func incompleteMessage(plugin: String, entry: String) -> String {
        "plugin '\(plugin)': entry '\(entry)' returned from a sync call without completing it; the call ends at its deadline with timeout (a plugin bug: a sync entry completes before invoke returns)"
    }

    /// The id of entry `index`, or "#index".
    func entryName(_ index: UInt32) -> String {
        entryIDs.indices.contains(Int(index)) ? entryIDs[Int(index)] : "#\(index)"
    }

    /// The log line of a repeated completion.
    static func repeatedMessage(plugin: String, entry: String, callID: UInt64) -> String {
        let call = callID == 0 ? "a sync call" : "call \(callID)"
        return "plugin '\(plugin)': entry '\(entry)' completed \(call) twice; the second completion was ignored (a plugin bug: neko_abi.h allows exactly one)"
    }
}
