import DequeModule

/// Where a session reports what it served: the server's metrics.
public protocol SessionObserver: AnyObject, Sendable {
    /// A monotonic clock in nanoseconds.
    func now() -> UInt64
    func bytesReceived(_ count: Int)
    func bytesSent(_ count: Int)
    /// A request's last response byte was handed to the kernel, `startedAt` being when its
    /// line was parsed.
    func requestCompleted(_ command: Command, startedAt: UInt64, finishedAt: UInt64)
}
