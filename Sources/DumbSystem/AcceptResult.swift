import CDumbSystem
import Glibc

/// What accepting a connection gave.
public enum AcceptResult: Sendable {
    case connection(Int32)
    /// The backlog is empty (a non-blocking listener; on a blocking one, accept waits).
    case wouldBlock
}
