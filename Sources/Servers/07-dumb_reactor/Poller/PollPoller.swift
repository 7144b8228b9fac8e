import DumbSystem
import Glibc

/// The portable backend: poll(2), which every Unix has. The watched set lives in this
/// process and goes to the kernel whole on every call, so each wait costs every watched
/// descriptor, ready or not: compare it with epoll under thousands of idle clients
/// (`dumb_reactor --poller poll`) and watch the system time climb.
public final class PollPoller: Poller {
    public var name: String { "poll" }
    /// The set handed to poll(2), and the token of each entry.
    private var entries: [pollfd] = []
    private var tokens: [UInt64] = []
    /// Where each watched descriptor is in `entries`.
    private var positions: [Int32: Int] = [:]

    public init() {}

    public func add(_ descriptor: Int32, interest: Interest, token: UInt64) throws {
        guard positions[descriptor] == nil else { throw SystemError("poll: add", errno: EEXIST) }
        positions[descriptor] = entries.count
        entries.append(pollfd(fd: descriptor, events: Self.events(interest), revents: 0))
        tokens.append(token)
    }

    public func modify(_ descriptor: Int32, interest: Interest, token: UInt64) throws {
        guard let position = positions[descriptor] else { throw SystemError("poll: modify", errno: ENOENT) }
        entries[position].events = Self.events(interest)
        tokens[position] = token
    }

    public func remove(_ descriptor: Int32) {
        guard let position = positions.removeValue(forKey: descriptor) else { return }
        // the last entry takes the removed one's place, so the set stays dense
        let last = entries.count - 1
        if position != last {
            entries[position] = entries[last]
            tokens[position] = tokens[last]
            positions[entries[position].fd] = position
        }
        entries.removeLast()
        tokens.removeLast()
    }

    public func poll(timeoutMilliseconds: Int32, into events: inout [PollerEvent]) throws {
        events.removeAll(keepingCapacity: true)
        let count = try entries.withUnsafeMutableBufferPointer { set in
            try blockingSystemCall("poll") { Glibc.poll(set.baseAddress, nfds_t(set.count), timeoutMilliseconds) }
        }
        guard count > 0 else { return }
        // the kernel marked the ready entries: walk the whole set to find them
        for (position, entry) in entries.enumerated() where entry.revents != 0 {
            events.append(
                PollerEvent(
                    token: tokens[position],
                    readable: entry.revents & Int16(POLLIN) != 0,
                    writable: entry.revents & Int16(POLLOUT) != 0,
                    failed: entry.revents & Int16(POLLERR | POLLHUP | POLLNVAL) != 0))
        }
    }

    private static func events(_ interest: Interest) -> Int16 {
        var events: Int16 = 0
        if interest.contains(.read) { events |= Int16(POLLIN) }
        if interest.contains(.write) { events |= Int16(POLLOUT) }
        return events
    }
}
