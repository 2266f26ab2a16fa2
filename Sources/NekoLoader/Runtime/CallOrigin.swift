import NekoABI
@_spi(Neko) import NekoCore

/// Who makes a call, and on behalf of which call: the part of a call's
/// context (ABI 1.1, `neko_call.caller/depth/parent`) that the host writes
/// besides the deadline, and who listens to its progress.
struct CallOrigin {
    /// The calling plugin's id (its host table's string, alive while its
    /// `neko_host.call` runs), or nil for a client of the host.
    var caller: UnsafePointer<CChar>?
    /// 1 for a client's call, the parent's + 1 for a plugin's.
    var depth: UInt32 = 1
    /// The call the calling plugin was serving, if the host knows it.
    var parent: CallSlot?
    /// Who receives the call's progress reports (`ProgressListeners`), 0: nobody.
    var listener: UInt64 = 0

    /// A client's call, with its progress going to `listener`.
    static func client(listener: UInt64 = 0) -> CallOrigin {
        CallOrigin(listener: listener)
    }

    /// Writes the origin into an armed slot.
    func apply(to slot: CallSlot) {
        slot.call.pointee.caller = caller
        slot.call.pointee.depth = depth
        slot.parent = parent
        if listener != 0 { slot.listener.store(listener, ordering: .releasing) }
    }

    /// The chain of calls that leads to a call made with this origin, from
    /// the root down, eg ["client", "planner:plan", "search:query"]; at most
    /// `limit` calls (then the oldest are left out, marked "…").
    func chain(limit: Int) -> [String] {
        var names: [String] = []  // innermost first
        var link = parent
        var top: CallSlot?
        while let slot = link, names.count < limit {
            names.append(Self.name(of: slot))
            top = slot
            link = slot.parent
        }
        if link != nil {
            names.append("…")
        } else {
            let root = top.map { $0.call.pointee.caller } ?? caller
            names.append(root.map { "plugin '\(String(cString: $0))'" } ?? "client")
        }
        return names.reversed()
    }

    /// "plugin:entry" of a call the host made.
    static func name(of slot: CallSlot) -> String {
        guard let reporter = slot.reporter else { return "?" }
        let ledger = ContractLedger.at(reporter)
        return "\(ledger.pluginID):\(ledger.entryName(slot.call.pointee.entry_index))"
    }
}
