import Synchronization

/// A progress report of a call in flight, from `neko_host.progress`
/// (`context.progress(...)` in the Swift SDK).
public struct CallProgress: Sendable, Equatable {
    /// How much is done, eg 3.
    public var done: Double
    /// Out of how much, eg 10; nil when the plugin does not know.
    public var total: Double?
    /// What the plugin says, eg "3 of 10 pages"; empty for nothing.
    public var message: String

    /// A report of `done` out of `total` (nil: unknown).
    public init(done: Double, total: Double? = nil, message: String = "") {
        self.done = done
        self.total = total
        self.message = message
    }

    /// eg "3/10 3 of 10 pages", or "3 working" when the total is unknown.
    public var line: String {
        let amount = total.map { "\(Self.number(done))/\(Self.number($0))" } ?? Self.number(done)
        return message.isEmpty ? amount : "\(amount) \(message)"
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }
}

/// Where the progress reports of one call go: set by whoever makes the call.
///
/// Listeners are registered by number (`ProgressListeners`) rather than held
/// by the call's memory: a plugin that reports after its call completed (a
/// bug the ABI tolerates) then finds no listener, never a released one.
@_spi(Neko) public final class ProgressListener: Sendable {
    /// Receives each report, on the plugin's thread: keep it short.
    @_spi(Neko) public let receive: @Sendable (CallProgress) -> Void

    /// A listener calling `receive` with each report.
    @_spi(Neko) public init(_ receive: @escaping @Sendable (CallProgress) -> Void) {
        self.receive = receive
    }
}

/// The listeners of calls in flight, by number; numbers are never reused.
@_spi(Neko) public final class ProgressListeners: Sendable {
    /// The process's registry.
    @_spi(Neko) public static let shared = ProgressListeners()
    private let table = Mutex<(next: UInt64, listeners: [UInt64: ProgressListener])>((1, [:]))

    /// Registers `listener` for one call. - Returns: its number, for
    /// `CallSlot.listener`; `remove` it when the call is over.
    @_spi(Neko) public func add(_ listener: ProgressListener) -> UInt64 {
        table.withLock { table in
            let number = table.next
            table.next += 1
            table.listeners[number] = listener
            return number
        }
    }

    /// Forgets listener `number` (0 is ignored).
    @_spi(Neko) public func remove(_ number: UInt64) {
        guard number != 0 else { return }
        _ = table.withLock { $0.listeners.removeValue(forKey: number) }
    }

    /// The listener numbered `number`, while registered.
    @_spi(Neko) public func listener(_ number: UInt64) -> ProgressListener? {
        table.withLock { $0.listeners[number] }
    }
}
