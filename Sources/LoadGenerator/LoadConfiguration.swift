import DumbSystem

/// What a load run does: where, how many, what, how fast, how long.
public struct LoadConfiguration: Sendable {
    public var address: SocketAddress
    public var clients: Int
    public var mix: RequestMix
    public var pacing: SendScheduler.Pacing
    /// Nanoseconds; nil: until SIGINT or SIGTERM.
    public var duration: UInt64?
    /// Nanoseconds to keep every connection open after `duration`, sending nothing (those
    /// not open yet are still opened): idle connections, for measuring what they cost. Nil: none.
    public var hold: UInt64?
    /// New connections per second (the ramp, and reconnects after errors).
    public var connectRate: Double
    /// Nanoseconds a connect or an answer may take.
    public var timeout: UInt64
    /// Nanoseconds before a connection whose connect failed tries again.
    public var retryDelay: UInt64 = 500_000_000
    /// Nanoseconds between status lines (and metrics updates).
    public var statusInterval: UInt64 = 1_000_000_000

    public init(
        address: SocketAddress, clients: Int, mix: RequestMix, pacing: SendScheduler.Pacing, duration: UInt64?,
        connectRate: Double, timeout: UInt64
    ) {
        self.address = address
        self.clients = clients
        self.mix = mix
        self.pacing = pacing
        self.duration = duration
        self.connectRate = connectRate
        self.timeout = timeout
    }
}
