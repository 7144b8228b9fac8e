/// How fast a load run opens connections: `rate` a second on average (the ramp, and the
/// reconnects after errors), in bursts of at most a hundredth of a second's worth (and at
/// least one), so that a loop that wakes late does not open a second's worth at once. A
/// token bucket. It reads no clock: every call is given `now` (nanoseconds on any monotonic
/// clock), so tests drive it with a fake one.
public struct ConnectPacer: Sendable {
    /// Connects per second.
    public let rate: Double
    private let burst: Double
    private var tokens = 1.0
    private var updatedAt: UInt64

    public init(rate: Double, start: UInt64) {
        precondition(rate > 0, "the connect rate must be positive")
        self.rate = rate
        burst = max(1, rate / 100)
        updatedAt = start
    }

    /// Whether a connect may start at `now`; if so, it is counted.
    public mutating func take(now: UInt64) -> Bool {
        refill(now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }

    /// When the next connect may start: `now` if one may at once.
    public mutating func nextAllowed(now: UInt64) -> UInt64 {
        refill(now)
        return tokens >= 1 ? now : now + UInt64((1 - tokens) * 1e9 / rate)
    }

    private mutating func refill(_ now: UInt64) {
        guard now > updatedAt else { return }
        tokens = min(burst, tokens + Double(now - updatedAt) * rate / 1e9)
        updatedAt = now
    }
}
