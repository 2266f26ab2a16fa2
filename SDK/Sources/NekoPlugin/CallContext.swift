import Logging
import NekoABI
@_spi(Neko) import NekoCore

/// The call an entry is serving: its deadline, who made it, how deep in a
/// chain of calls it is, and a way to report its progress.
///
/// The SDK makes it available to every entry body, sync or async, as
/// ``current``; code outside an entry sees `nil`:
///
/// ```swift
/// func crawl(_ site: Site) async throws -> Pages {
///     let context = CallContext.current
///     for (index, page) in site.pages.enumerated() {
///         try await fetch(page)
///         context?.progress(done: Double(index + 1), total: Double(site.pages.count), message: page.path)
///     }
///     ...
/// }
/// ```
///
/// A call this entry makes through ``PluginContext/call(_:_:_:timeout:as:)``
/// carries it on: the host gives the new call the sooner deadline and the
/// next depth. A context is valid while its call runs: after the entry has
/// answered (eg in a task the entry left behind), ``progress(done:total:message:)``
/// does nothing and calls made with it no longer name it as their parent.
public struct CallContext: Sendable {
    /// The host's id of the call, unique in the host and the key of its
    /// `cancel`, eg 42 (a 1.0 host gave a sync entry's call 0).
    public let callID: UInt64
    /// The id of the plugin that made the call (eg `"planner"`), or nil for
    /// a client of the host (an application, `nekoctl`, a socket client), or
    /// when the host does not say (ABI 1.0).
    public let caller: String?
    /// How deep in a chain of calls: 1 for a client's call, 2 for a call a
    /// plugin makes while serving one, and so on; nil when the host does not
    /// say (ABI 1.0).
    public let depth: Int?
    /// When the caller stops waiting, in `CLOCK_MONOTONIC` nanoseconds (0: none).
    let deadlineNanoseconds: UInt64
    /// How progress reports and outgoing calls reach the call.
    let link: Link

    /// What the context points to: the call, while it may still be used.
    enum Link: @unchecked Sendable {  // the host keeps the call alive until its `complete`
        /// A call whose `invoke` runs on this thread now: usable while
        /// ``ServingCall`` says this thread still serves it.
        case serving(UnsafePointer<neko_call>, HostTable)
        /// An async call: usable until its completion ends the scope.
        case scoped(CallScope)
    }

    /// When the caller stops waiting (the smaller of the caller's and the
    /// entry's deadlines), eg `.now + .seconds(10)`; nil: none.
    ///
    /// From the call's absolute deadline (`neko_call.deadline_ns`), or, from
    /// a 1.0 host, its `timeout_ms` counted from when the call arrived.
    public var deadline: ContinuousClock.Instant? {
        MonotonicClock.instant(of: deadlineNanoseconds)
    }

    /// The context of the call that the running entry serves, or nil outside an entry.
    public static var current: CallContext? {
        // The innermost sync `invoke` on this thread first: a sync entry's
        // context is never a task-local, so a task it starts cannot keep it.
        if let frame = ServingCall.current { return CallContext(frame.pointee) }
        return bound
    }

    /// The context of an async entry's call, bound by the SDK in its task.
    @TaskLocal static var bound: CallContext?

    /// Runs an async entry's `body` with `context` as its ``current``.
    @usableFromInline static func serving<Result>(_ context: CallContext, _ body: () async throws -> Result) async throws -> Result {
        try await $bound.withValue(context, operation: body)
    }

    /// Reports the progress of this call to whoever made it: `done` of
    /// `total` (nil: unknown), with an optional message, eg
    /// `context.progress(done: 3, total: 10, message: "3 of 10 pages")`.
    ///
    /// Cheap when nobody listens. Does nothing on a host without progress
    /// reports (ABI 1.0), and after the call has been answered.
    public func progress(done: Double, total: Double? = nil, message: String = "") {
        withCall { call, host in
            guard let report = host.progress else { return }
            var text = message
            text.withUTF8 { bytes in
                bytes.withMemoryRebound(to: CChar.self) {
                    report(host.pointer, call, done, total ?? 0, $0.count == 0 ? nil : $0.baseAddress, $0.count)
                }
            }
        }
    }

    /// A logger whose lines the host attributes to the plugin serving the
    /// call, as ``PluginContext/logger``'s; usable for as long as the plugin runs.
    var pluginLogger: Logger {
        let host = switch link {
        case .serving(_, let host): host
        case .scoped(let scope): scope.host
        }
        return Logger(label: "neko.plugin.\(HostTable.string(host.pointer.pointee.plugin_id))") { _ in HostLogHandler(host: host) }
    }

    /// Runs `body` with the call, unless it can no longer be used (it was
    /// answered, or this thread no longer serves it).
    @discardableResult
    func withCall<T>(_ body: (UnsafePointer<neko_call>, HostTable) -> T) -> T? {
        switch link {
        case .serving(let call, let host):
            guard ServingCall.current?.pointee.call == call else { return nil }
            return body(call, host)
        case .scoped(let scope):
            return scope.borrow { body($0, scope.host) }
        }
    }
}

extension CallContext {
    /// The context of a call, read field by field: a 1.1 field only when
    /// the caller's `neko_call` reaches it.
    init(call: UnsafePointer<neko_call>, deadline: UInt64, link: Link) {
        callID = call.pointee.call_id
        caller = call.field(\.caller).map { String(cString: $0) }
        depth = call.has(\.depth) ? Int(call.pointee.depth) : nil
        deadlineNanoseconds = deadline
        self.link = link
    }

    /// The context of the sync call described by `frame`.
    init(_ frame: ServingCall.Frame) {
        self.init(call: frame.call, deadline: frame.deadline, link: .serving(frame.call, frame.host))
    }

    /// The absolute deadline of `call`: its `deadline_ns` (ABI 1.1), else
    /// its `timeout_ms` from now; 0: none.
    @inline(__always)
    static func deadline(of call: UnsafePointer<neko_call>) -> UInt64 {
        if call.has(\.deadline_ns) {
            let deadline = call.pointee.deadline_ns
            if deadline != 0 { return deadline }
        }
        let milliseconds = call.pointee.timeout_ms
        return milliseconds == 0 ? 0 : MonotonicClock.deadline(afterMilliseconds: milliseconds)
    }
}
