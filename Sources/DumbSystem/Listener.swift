import CDumbSystem
import Glibc

/// A bound, listening TCP socket.
public struct Listener: Sendable {
    public let descriptor: Int32
    /// The address it is bound to, as given (`127.0.0.1`, `::`, …).
    public let host: String
    /// The port it is bound to: the one asked for, or the one the kernel chose for port 0.
    public let port: Int
    /// Whether accept returns at once when no connection waits (event loops), and the
    /// connections it gives are non-blocking too.
    public let nonBlocking: Bool
}
