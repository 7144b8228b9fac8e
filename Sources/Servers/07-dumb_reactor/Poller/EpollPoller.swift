import DumbSystem

/// The Linux backend: one epoll instance. The kernel keeps the watched set, so a wait costs
/// what is ready, not what is watched — why one thread can hold ten thousand idle clients.
public final class EpollPoller: Poller {
    public var name: String { "epoll" }
    private let epoll: Epoll

    /// - Parameter capacity: how many ready descriptors one ``poll(timeoutMilliseconds:into:)``
    ///   returns at most; the rest stay ready for the next call (level-triggered).
    public init(capacity: Int = 1024) throws {
        epoll = try Epoll(capacity: capacity)
    }

    public func add(_ descriptor: Int32, interest: Interest, token: UInt64) throws {
        try epoll.add(descriptor, Self.events(interest), token: token)
    }

    public func modify(_ descriptor: Int32, interest: Interest, token: UInt64) throws {
        try epoll.modify(descriptor, Self.events(interest), token: token)
    }

    public func remove(_ descriptor: Int32) {
        epoll.remove(descriptor)
    }

    public func poll(timeoutMilliseconds: Int32, into events: inout [PollerEvent]) throws {
        events.removeAll(keepingCapacity: true)
        for (token, ready) in try epoll.wait(timeoutMilliseconds: timeoutMilliseconds) {
            // EPOLLERR and EPOLLHUP come whether asked for or not
            let failed = !ready.isDisjoint(with: [.error, .hangUp])
            events.append(
                PollerEvent(
                    token: token, readable: ready.contains(.input), writable: ready.contains(.output),
                    failed: failed))
        }
    }

    /// Level-triggered (no EPOLLET): the same rule as poll(2), so the backends agree. No
    /// events at all is fine: epoll reports EPOLLERR and EPOLLHUP whatever was asked.
    private static func events(_ interest: Interest) -> Epoll.Events {
        var events: Epoll.Events = []
        if interest.contains(.read) { events.insert(.input) }
        if interest.contains(.write) { events.insert(.output) }
        return events
    }
}
