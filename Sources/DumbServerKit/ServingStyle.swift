/// How a server serves, which decides its listening sockets and its stop.
public enum ServingStyle: Sendable {
    /// Blocking listeners and I/O. SIGINT and SIGTERM exit at once: a thread may be about to
    /// sleep in a WAIT or a read that no signal would interrupt any more.
    case blocking
    /// Non-blocking listeners watched by event loops. A stop makes
    /// ``RunningServer/stopDescriptor`` readable; the loop watching it calls
    /// ``ServerStartup/exit(_:_:)``.
    case eventLoop
}
