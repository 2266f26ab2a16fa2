#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// One end of a stream socket carrying frames.
///
/// Thread rules: `send` may be called from any thread (frames never
/// interleave); `receive` from one thread at a time (its frame's payload is
/// borrowed until that thread's next `receive`). `shutdown` may be called
/// from any thread and wakes a blocked `receive`.
package final class FrameChannel: @unchecked Sendable {
    // The read buffer is touched only by the one thread receiving (see above).
    /// The socket.
    package let descriptor: Int32
    private let writing = Mutex(())
    private var buffer: UnsafeMutableRawPointer
    private var capacity: Int
    private var start = 0
    private var end = 0

    /// Takes ownership of `descriptor` (closed with the channel).
    package init(descriptor: Int32) {
        self.descriptor = descriptor
        capacity = 64 << 10
        buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 16)
    }

    deinit {
        Glibc.close(descriptor)
        buffer.deallocate()
    }

    /// Makes a connected pair of stream sockets, closed on exec.
    /// - Returns: the two descriptors, or nil with `errno` set.
    package static func socketPair() -> (Int32, Int32)? {
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return nil }
        return (ends[0], ends[1])
    }

    // MARK: - Writing

    /// Bounds how long a `send` may wait for the other side to read: past
    /// it, `send` fails with `.io` (the other side is hung, not just slow).
    package func setSendTimeout(_ timeout: Duration) {
        let (seconds, attoseconds) = timeout.components
        var value = timeval(tv_sec: Int(seconds), tv_usec: Int(attoseconds / 1_000_000_000_000))
        _ = setsockopt(descriptor, SOL_SOCKET, SO_SNDTIMEO, &value, socklen_t(MemoryLayout<timeval>.size))
    }

    /// Writes a whole frame (as `WireWriter.finish` made it).
    package func send(_ frame: [UInt8]) throws(WireError) {
        let sent: WireError? = frame.withUnsafeBytes { raw in
            do throws(WireError) { try send(raw) } catch { return error }
            return nil
        }
        if let sent { throw sent }
    }

    /// Writes a whole frame from raw bytes.
    package func send(_ frame: UnsafeRawBufferPointer) throws(WireError) {
        guard let base = frame.baseAddress else { return }
        let failure: WireError? = writing.withLock { _ in
            var offset = 0
            while offset < frame.count {
                let written = Glibc.send(descriptor, base + offset, frame.count - offset, Int32(MSG_NOSIGNAL))
                if written >= 0 { offset += written; continue }
                switch errno {
                case EINTR: continue
                case EPIPE, ECONNRESET, EBADF: return .closed
                case EAGAIN: return .io("the other side has not read its end within the send timeout")
                default: return .io(String(cString: strerror(errno)))
                }
            }
            return nil
        }
        if let failure { throw failure }
    }

    // MARK: - Reading

    /// Reads the next frame, waiting until `deadline` (nil: for ever). Before
    /// sleeping it polls for as long as `budget` allows (see `SpinBudget`): a
    /// frame that comes within it costs no wake-up of this thread; the wait
    /// is then recorded in the budget.
    /// - Returns: the frame, or nil when the deadline passed first.
    /// - Throws: `.closed` at end of stream, `.malformed` for bytes that are
    ///   not a frame (the channel is then unusable).
    package func receive(until deadline: ContinuousClock.Instant? = nil, spinning budget: SpinBudget? = nil) throws(WireError) -> ReceivedFrame? {
        if let frame = try parseBuffered() { return frame }
        guard let budget else { return try receiveSleeping(until: deadline) }
        let (caught, spin) = try budget.spin { () throws(WireError) -> ReceivedFrame? in
            try fill() ? try parseBuffered() : nil
        }
        if let caught { return caught }
        let frame = try receiveSleeping(until: deadline)
        if frame != nil { budget.recordSleep(after: spin) }
        return frame
    }

    /// Reads what the socket has without waiting. - Returns: whether bytes came.
    private func fill() throws(WireError) -> Bool {
        while true {
            try makeRoom()
            let count = recv(descriptor, buffer + end, capacity - end, Int32(MSG_DONTWAIT))
            if count > 0 { end += count; return true }
            if count == 0 { throw .closed }
            switch errno {
            case EINTR: continue
            case EAGAIN: return false
            case ECONNRESET, EPIPE: throw .closed
            default: throw .io(String(cString: strerror(errno)))
            }
        }
    }

    /// Reads the next frame, sleeping in poll(2) while there is nothing to read.
    private func receiveSleeping(until deadline: ContinuousClock.Instant?) throws(WireError) -> ReceivedFrame? {
        while true {
            if let frame = try parseBuffered() { return frame }
            if try fill() { continue }
            var wait = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
            let timeout: Int32
            if let deadline {
                let left = deadline - ContinuousClock.now
                if left <= .zero { return nil }
                let (seconds, attoseconds) = left.components
                timeout = Int32(clamping: seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
            } else {
                timeout = -1
            }
            let ready = poll(&wait, 1, timeout)
            if ready < 0, errno != EINTR { throw .io(String(cString: strerror(errno))) }
            if ready == 0, let deadline, ContinuousClock.now >= deadline { return nil }
        }
    }

    /// Stops the channel both ways: a blocked `receive` (here or on the
    /// other side) ends with `.closed`.
    package func shutdown() {
        _ = Glibc.shutdown(descriptor, Int32(SHUT_RDWR))
    }

    /// The next whole frame in the buffer, if there is one.
    private func parseBuffered() throws(WireError) -> ReceivedFrame? {
        let available = end - start
        guard available >= 4 else { return nil }
        let length = Int(UInt32(littleEndian: (buffer + start).loadUnaligned(as: UInt32.self)))
        guard length >= Frame.headerSize - 4 else {
            throw .malformed("length \(length) is shorter than a frame header (\(Frame.headerSize - 4) bytes)")
        }
        guard length + 4 <= Frame.maximumLength else {
            throw .malformed("a frame of \(length + 4) bytes exceeds the limit of \(Frame.maximumLength >> 20) MiB")
        }
        guard available >= length + 4 else { return nil }
        let base = buffer + start
        let rawKind = base.load(fromByteOffset: 4, as: UInt8.self)
        guard let kind = FrameKind(rawValue: rawKind) else { throw .malformed("unknown frame kind \(rawKind)") }
        let id = UInt64(littleEndian: base.loadUnaligned(fromByteOffset: 5, as: UInt64.self))
        start += length + 4
        return ReceivedFrame(kind: kind, id: id, payload: UnsafeRawBufferPointer(start: base + Frame.headerSize, count: length + 4 - Frame.headerSize))
    }

    /// Makes free space after `end`: moves the unread bytes to the front,
    /// and grows the buffer for a frame longer than it (within the limit).
    private func makeRoom() throws(WireError) {
        if start == end { start = 0; end = 0 }
        var needed = 4
        if end - start >= 4 {
            needed = Int(UInt32(littleEndian: (buffer + start).loadUnaligned(as: UInt32.self))) + 4
        }
        if capacity - start >= max(needed, 4096) && end < capacity { return }
        if start > 0 {
            (buffer).copyMemory(from: buffer + start, byteCount: end - start)
            end -= start
            start = 0
        }
        if capacity < needed {
            let grown = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
            grown.copyMemory(from: buffer, byteCount: end)
            buffer.deallocate()
            buffer = grown
            capacity = needed
        }
    }
}
