import NekoABI

/// A `neko_sink` that appends what a plugin writes to a byte array.
enum ByteSink {
    /// Calls `body` with a sink, and returns the bytes written to it.
    static func collect(_ body: (UnsafePointer<neko_sink>) -> Void) -> [UInt8] {
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
