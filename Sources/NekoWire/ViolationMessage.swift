/// The payload of `violation`: a breach of the ABI contract the worker
/// caught in its plugin, for the host to count and report. The frame's id is
/// the call's `call_id` (0: a sync call).
package struct ViolationMessage: Sendable, Equatable {
    /// What the plugin did wrong.
    package enum Kind: UInt8, Sendable {
        /// It completed a call a second time (the second was ignored).
        case completedTwice = 1
        /// It returned from `invoke` of a sync entry without completing the call.
        case returnedIncomplete = 2
    }

    /// What the plugin did wrong.
    package var kind: Kind
    /// The entry's index in the descriptor.
    package var entryIndex: UInt32

    /// Makes a violation report.
    package init(kind: Kind, entryIndex: UInt32) {
        self.kind = kind
        self.entryIndex = entryIndex
    }

    /// A `violation` frame for call `callID`.
    package func frame(callID: UInt64) -> [UInt8] {
        var writer = WireWriter(.violation, id: callID, capacity: 32)
        writer.append(kind.rawValue)
        writer.append(entryIndex)
        return writer.finish()
    }

    /// Decodes a `violation` payload.
    package init(decoding payload: UnsafeRawBufferPointer) throws(WireError) {
        var reader = WireReader(payload)
        let raw = try reader.byte("violation.kind")
        guard let kind = Kind(rawValue: raw) else { throw .malformed("violation.kind \(raw) is not a known violation") }
        self.kind = kind
        entryIndex = try reader.uint32("violation.entry_index")
        try reader.expectEnd("violation")
    }
}
