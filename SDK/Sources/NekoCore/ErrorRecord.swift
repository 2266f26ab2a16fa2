import NekoABI

extension neko_error {
    /// An error record as a host hands it to a plugin: `struct_size` set, the rest zeroed.
    @_spi(Neko) public static var empty: neko_error {
        var error = neko_error()
        error.struct_size = UInt32(MemoryLayout<neko_error>.size)
        return error
    }

    /// The message written into the record, or a note that there is none.
    @_spi(Neko) public var text: String {
        let message = withUnsafeBytes(of: self.message) { raw in
            String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
        }
        return message.isEmpty ? "(the plugin gave no message)" : message
    }

    /// Sets the status and the message, truncated on a character boundary to fit.
    @_spi(Neko) public mutating func set(_ code: neko_status, _ message: String) {
        status = code
        withUnsafeMutableBytes(of: &self.message) { buffer in
            var utf8 = Array(message.utf8.prefix(buffer.count - 1))
            if utf8.count < message.utf8.count {
                // Drop a character cut in half: its continuation bytes, then its lead byte.
                while let last = utf8.last, last & 0xC0 == 0x80 { utf8.removeLast() }
                if let last = utf8.last, last & 0x80 != 0 { utf8.removeLast() }
            }
            buffer.copyBytes(from: utf8)
            buffer[utf8.count] = 0
        }
    }

    /// The status set, or `internal` when a failing function set none.
    @_spi(Neko) public var failedStatus: neko_status { status == Int32(NEKO_OK) ? Int32(NEKO_ERR_INTERNAL) : status }
}

/// A `neko_sink` that appends what a plugin writes to a byte array.
@_spi(Neko) public enum ByteSink {
    /// Calls `body` with a sink, and returns the bytes written to it.
    @_spi(Neko) public static func collect(_ body: (UnsafePointer<neko_sink>) -> Void) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeMutablePointer(to: &bytes) { buffer in
            var sink = neko_sink(struct_size: UInt32(MemoryLayout<neko_sink>.size), context: UnsafeMutableRawPointer(buffer), write: append)
            body(&sink)
        }
        return bytes
    }

    private static let append: @convention(c) (UnsafePointer<neko_sink>?, UnsafePointer<UInt8>?, Int) -> Void = { sink, data, length in
        guard let sink, let context = sink.pointee.context, let data else { return }
        context.assumingMemoryBound(to: [UInt8].self).pointee.append(contentsOf: UnsafeBufferPointer(start: data, count: length))
    }
}
