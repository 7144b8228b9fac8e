import DumbProtocol

/// One client of a load run: a connection, or the wait for one. The run keeps them all in one
/// table and names them by slot.
struct ClientSlot {
    enum State: UInt8 {
        /// Not connected: queued to connect.
        case disconnected
        case connecting
        /// Connected, no request outstanding.
        case idle
        /// A request sent (or partly sent), its answer awaited.
        case awaiting
    }
    var descriptor: Int32 = -1
    var state = State.disconnected
    /// Changes at every connect, send and answer, so that queued timers and scheduler
    /// entries that belong to an earlier one are recognized and dropped.
    var generation: UInt32 = 0
    /// The mix entry whose answer is awaited.
    var entry = 0
    /// Bytes of the request not written yet (the send buffer was full).
    var unsent = 0
    /// When the connect started, or when the awaited request was due.
    var started: UInt64 = 0
    var verifier: ResponseVerifier
}
