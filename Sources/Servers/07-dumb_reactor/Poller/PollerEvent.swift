/// One ready descriptor.
public struct PollerEvent: Equatable, Sendable {
    public let token: UInt64
    public let readable: Bool
    public let writable: Bool
    /// An error or a hang-up: the connection is gone. It is reported whatever the interest,
    /// even an empty one, and as long as the descriptor is watched. It also counts as
    /// readable and writable (Redis's ae does the same): whichever the handler tries next
    /// fails and tells it why.
    public let failed: Bool

    public init(token: UInt64, readable: Bool, writable: Bool, failed: Bool = false) {
        self.token = token
        self.readable = readable || failed
        self.writable = writable || failed
        self.failed = failed
    }
}
