import DumbSystem

/// What ``RunningServer/accept(from:)`` gives a server's loop: a connection to serve,
/// nothing more for now, or a time before which it must not accept again. The refusals on
/// the way are already counted and logged.
public enum Accepted: Sendable {
    case connection(Int32)
    /// No connection waits: accept again when the listener is readable.
    case nothingWaiting
    /// Out of descriptors with none to refuse connections with, or accept failing (out of
    /// kernel memory): connections may still wait in the backlog, and the listener stays
    /// readable. Do not accept again at once (a level-triggered loop would spin), nor wait
    /// for the next new connection (an edge-triggered loop may never get one): stop watching
    /// the listener until this time (``SystemClock/now()`` nanoseconds), then accept again.
    case backOff(until: UInt64)

    /// How long a server backs off. Short, because descriptors come back whenever a client
    /// leaves, and until the retry the connections in the backlog wait; long enough that
    /// retrying costs nothing measurable (a few failing system calls, 20 times a second).
    /// SwiftNIO's AcceptBackoffHandler waits a second by default; here the reserve refuses a
    /// flood at once, and the back-off only covers the moments when the reserve is gone.
    public static let backOffMilliseconds: UInt64 = 50
}
