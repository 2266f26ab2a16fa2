#if canImport(Glibc)
import Glibc
#endif

/// Detached POSIX threads, for loops that block in system calls (`poll`,
/// `accept`, `read`) and so must not hold a thread of Swift's cooperative
/// pool or of Dispatch's.
@_spi(Neko) public enum DetachedThread {
    private final class Body {
        let run: @Sendable () -> Void
        init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }

    /// Starts `body` on a new detached thread. - Returns: false when the system refused.
    @discardableResult
    @_spi(Neko) public static func start(_ body: @escaping @Sendable () -> Void) -> Bool {
        let box = Unmanaged.passRetained(Body(body)).toOpaque()
        var thread = pthread_t()
        let status = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, box)
        guard status == 0 else {
            Unmanaged<Body>.fromOpaque(box).release()
            return false
        }
        pthread_detach(thread)
        return true
    }
}
