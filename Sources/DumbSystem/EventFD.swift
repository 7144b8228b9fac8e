import CDumbSystem
import Glibc
import Synchronization

/// An eventfd: a counter one thread bumps to wake another's epoll_wait.
public final class EventFD: Sendable {
    public let descriptor: Int32

    public init() throws {
        descriptor = try blockingSystemCall("eventfd") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    }

    deinit { Glibc.close(descriptor) }

    /// Makes the descriptor readable (from any thread).
    public func signal() {
        var one: UInt64 = 1
        _ = Glibc.write(descriptor, &one, 8)
    }

    /// Resets it, so it is not readable until the next ``signal()``.
    public func drain() {
        var value: UInt64 = 0
        _ = Glibc.read(descriptor, &value, 8)
    }
}
