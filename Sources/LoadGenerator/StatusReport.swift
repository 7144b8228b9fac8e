/// One second of a run, for the status line.
public struct StatusReport: Sendable {
    public var elapsedSeconds: Double
    public var connected: Int
    public var clients: Int
    public var requestsPerSecond: Double
    /// Milliseconds, nil when no answer came in the interval.
    public var p50: Double?
    public var p99: Double?
    public var errors: ErrorCounts
    /// Open loop: due requests waiting for a free connection.
    public var backlog: UInt64

    public init(
        elapsedSeconds: Double, connected: Int, clients: Int, requestsPerSecond: Double, p50: Double?, p99: Double?,
        errors: ErrorCounts, backlog: UInt64
    ) {
        self.elapsedSeconds = elapsedSeconds
        self.connected = connected
        self.clients = clients
        self.requestsPerSecond = requestsPerSecond
        self.p50 = p50
        self.p99 = p99
        self.errors = errors
        self.backlog = backlog
    }
}
