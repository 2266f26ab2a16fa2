/// One message between a host and a plugin's worker process.
///
/// On the wire a frame is a little-endian `UInt32` length (of what follows),
/// then its kind (one byte), its request id (a little-endian `UInt64`) and
/// its payload. A frame longer than `Frame.maximumLength` is refused.
package enum FrameKind: UInt8, Sendable, CaseIterable {
    // Host to worker: requests. Every one but `cancel` gets a `reply` with its id.
    /// Make the instance: the host table's strings and config.
    case create = 1
    /// Run `start`.
    case start = 2
    /// Run `stop`.
    case stop = 3
    /// Run `destroy`, reply, and exit.
    case destroy = 4
    /// Run `save_state`; the reply carries the bytes.
    case saveState = 5
    /// Run `restore_state` with the payload's bytes.
    case restoreState = 6
    /// Call an entry.
    case invoke = 7
    /// Cancel the call whose host call id is the frame's id; no payload, no reply.
    case cancel = 8
    /// Run a timer once.
    case tick = 9
    /// Read the settings (extension neko.plugin.config/1).
    case readSettings = 10
    /// Change the settings.
    case changeSettings = 11
    /// Answer at once: a liveness check.
    case ping = 12

    // Worker to host.
    /// The worker opened the library: the plugin's descriptor. Id 0, first frame.
    case hello = 32
    /// The worker could not open the library or register the plugin. Id 0.
    case refused = 33
    /// A log line of the plugin; no reply.
    case log = 34
    /// A message of the plugin for the host; the reply is the receipt.
    case emit = 35
    /// A call of the plugin to another plugin; the reply is the result.
    case call = 36
    /// A progress report of the call whose host request id is the frame's
    /// id (`neko_host.progress`): a `ProgressMessage`; no reply.
    case progress = 37
    /// Cancel the plugin's own call to another plugin whose `call` frame had
    /// the frame's id (`neko_host.cancel`); no payload, no reply. The call
    /// still gets its reply (`canceled`, or its result when too late).
    case cancelCall = 38
    /// What the sandbox of a worker with `isolation = "sandbox"` enforces: a
    /// `SandboxReport`, sent before `hello` (or `refused`); no reply.
    case sandbox = 39
    /// The plugin broke the ABI contract (eg it completed a call twice):
    /// a `ViolationMessage`; no reply.
    case violation = 40

    // Either way.
    /// The answer to the request with the same id.
    case reply = 64
}

/// A frame as read from a channel: its payload is borrowed from the
/// channel's buffer, valid until the next `receive` on that channel.
package struct ReceivedFrame {
    /// What the frame is.
    package let kind: FrameKind
    /// The request id it carries or answers.
    package let id: UInt64
    /// The payload, borrowed.
    package let payload: UnsafeRawBufferPointer
}

/// The limits of the frame protocol.
package enum Frame {
    /// The size of a frame's header: length, kind and id.
    package static let headerSize = 4 + 1 + 8
    /// The longest frame accepted (length field included): 64 MiB.
    package static let maximumLength = 64 << 20

    /// Whether a frame whose variable parts take `payload` bytes stays
    /// within `maximumLength` (with room for its fixed fields).
    package static func fits(payload: Int) -> Bool {
        payload >= 0 && payload <= maximumLength - 4096
    }
}

/// Why a frame could not be read or written.
package enum WireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The other side closed the channel (or died).
    case closed
    /// Bytes that are not a valid frame, with what was wrong.
    case malformed(String)
    /// A system call failed, with its error text.
    case io(String)

    package var description: String {
        switch self {
        case .closed: "the channel was closed"
        case .malformed(let why): "malformed frame: \(why)"
        case .io(let why): "i/o error: \(why)"
        }
    }
}
