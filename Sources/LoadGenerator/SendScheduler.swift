import DequeModule

/// Decides when each connection sends its next request, and from when that request's
/// latency counts. It reads no clock: every call is given `now` (nanoseconds on any
/// monotonic clock), so tests drive it with a fake one.
///
/// - Closed loop: a connection sends its next request when the answer to the last one came,
///   `thinkTime` later. Latency counts from when the request was due, which is when it is
///   sent unless the client itself is late.
/// - Open loop: requests are due at a fixed total rate, request k at `start + k / rate`,
///   whatever the answers do. A due request goes out on the first free connection; when
///   every connection still waits for an answer, due requests wait for one, and their
///   latency still counts from when they were due. A server that stalls therefore shows its
///   stall in every request it held up, not only in the one it was serving: the correction
///   for coordinated omission that wrk2 made known.
///
/// Connections are named by `token`s, which the caller checks when they come back
/// (a connection may have closed while it was queued here).
public struct SendScheduler: Sendable {
    public enum Pacing: Equatable, Sendable {
        /// `thinkTime` in nanoseconds between an answer and the next request.
        case closedLoop(thinkTime: UInt64)
        /// Requests per second, all connections together.
        case openLoop(requestsPerSecond: Double)
    }

    public let pacing: Pacing
    /// Closed loop with think time: connections with the time their next request is due,
    /// in due order (an answer plus a constant is monotonic).
    private var thinking = Deque<(due: UInt64, token: UInt64)>()
    /// Open loop: connections free to send, first freed first.
    private var free = Deque<UInt64>()
    private let start: UInt64
    private let nanosecondsPerRequest: Double
    /// Open loop: the number of the next request to send.
    public private(set) var nextRequest: UInt64 = 0

    public init(pacing: Pacing, start: UInt64) {
        self.pacing = pacing
        self.start = start
        if case .openLoop(let rate) = pacing {
            precondition(rate > 0, "the open-loop rate must be positive")
            nanosecondsPerRequest = 1e9 / rate
        } else {
            nanosecondsPerRequest = 0
        }
    }

    /// When open-loop request number `index` is due.
    @inline(__always)
    public func dueTime(ofRequest index: UInt64) -> UInt64 {
        start &+ UInt64(Double(index) * nanosecondsPerRequest)
    }

    /// `token`'s connection is free at `now` (it connected, or its answer came). Returns the
    /// time its next request counts from when it should send it at once; otherwise the
    /// connection is queued until ``next(now:isValid:)`` hands it out.
    @inline(__always)
    public mutating func release(_ token: UInt64, now: UInt64) -> UInt64? {
        switch pacing {
        case .closedLoop(let thinkTime):
            if thinkTime == 0 { return now }
            thinking.append((now &+ thinkTime, token))
            return nil
        case .openLoop:
            let due = dueTime(ofRequest: nextRequest)
            if free.isEmpty && due <= now {
                nextRequest += 1
                return due
            }
            free.append(token)
            return nil
        }
    }

    /// A queued connection whose request is due at `now`, with the time its latency counts
    /// from; nil when none is. Tokens for which `isValid` is false are dropped.
    public mutating func next(now: UInt64, isValid: (UInt64) -> Bool) -> (token: UInt64, due: UInt64)? {
        switch pacing {
        case .closedLoop:
            while let first = thinking.first, first.due <= now {
                thinking.removeFirst()
                if isValid(first.token) { return (first.token, first.due) }
            }
            return nil
        case .openLoop:
            let due = dueTime(ofRequest: nextRequest)
            guard due <= now else { return nil }
            while let token = free.popFirst() {
                if isValid(token) {
                    nextRequest += 1
                    return (token, due)
                }
            }
            return nil
        }
    }

    /// When a queued connection's next request becomes due; nil when no connection waits
    /// on the clock (all are busy, or none is connected).
    public var nextDue: UInt64? {
        switch pacing {
        case .closedLoop: return thinking.first?.due
        case .openLoop: return free.isEmpty ? nil : dueTime(ofRequest: nextRequest)
        }
    }

    /// Open loop: requests due by `now` that no connection has sent yet (they wait for a
    /// free one). Zero in a closed loop.
    public func backlog(now: UInt64) -> UInt64 {
        guard case .openLoop = pacing, now >= start else { return 0 }
        let due = UInt64(Double(now - start) / nanosecondsPerRequest) + 1
        return due > nextRequest ? due - nextRequest : 0
    }
}
