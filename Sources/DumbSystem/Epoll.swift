import CDumbSystem
import Glibc
import Synchronization

/// A thin wrapper over one epoll instance: the calls, not the loop. Each event-driven
/// server writes its own loop around ``wait(timeoutMilliseconds:)`` — that loop is its lesson.
public final class Epoll {
    /// Readiness flags, as epoll_ctl takes them (`EPOLLIN`, … are `EPOLL_EVENTS` in Swift).
    public struct Events: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Readable: data, a pending connection, or end of input.
        public static let input = Events(rawValue: EPOLLIN.rawValue)
        /// Writable: room in the send buffer again.
        public static let output = Events(rawValue: EPOLLOUT.rawValue)
        /// The peer shut down its sending side.
        public static let peerClosed = Events(rawValue: EPOLLRDHUP.rawValue)
        /// Reported whether asked for or not.
        public static let error = Events(rawValue: EPOLLERR.rawValue)
        public static let hangUp = Events(rawValue: EPOLLHUP.rawValue)
        /// Edge-triggered: reported once per change, not as long as the state lasts.
        public static let edgeTriggered = Events(rawValue: EPOLLET.rawValue)
    }

    public let descriptor: Int32
    private var buffer: [epoll_event]

    /// - Parameter capacity: how many events one ``wait(timeoutMilliseconds:)`` returns at most.
    public init(capacity: Int = 1024) throws {
        descriptor = try blockingSystemCall("epoll_create1") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
        buffer = Array(repeating: epoll_event(), count: capacity)
    }

    deinit { Glibc.close(descriptor) }

    /// Starts watching `fd` for `events`; `token` comes back with its events.
    public func add(_ fd: Int32, _ events: Events, token: UInt64) throws {
        try control(EPOLL_CTL_ADD, fd, events, token, "epoll_ctl(ADD)")
    }

    /// Changes what `fd` is watched for.
    public func modify(_ fd: Int32, _ events: Events, token: UInt64) throws {
        try control(EPOLL_CTL_MOD, fd, events, token, "epoll_ctl(MOD)")
    }

    /// Stops watching `fd` (closing it does that too, once no other descriptor refers to it).
    public func remove(_ fd: Int32) {
        var event = epoll_event()
        _ = epoll_ctl(descriptor, EPOLL_CTL_DEL, fd, &event)
    }

    /// Waits for readiness, at most `timeoutMilliseconds` (-1: no limit). Returns the ready
    /// (token, events) pairs; empty on timeout. A stop signal throws ``StopRequested``.
    public func wait(timeoutMilliseconds: Int32) throws -> ArraySlice<(token: UInt64, events: Events)> {
        let count = try buffer.withUnsafeMutableBufferPointer { events in
            try blockingSystemCall("epoll_wait") {
                epoll_wait(descriptor, events.baseAddress, Int32(events.count), timeoutMilliseconds)
            }
        }
        return collect(Int(count))
    }

    /// ``wait(timeoutMilliseconds:)`` to the nanosecond (epoll_pwait2, Linux 5.11; older
    /// kernels round up to the millisecond): for a load generator that paces requests
    /// microseconds apart. nil: no limit.
    public func wait(timeoutNanoseconds: UInt64?) throws -> ArraySlice<(token: UInt64, events: Events)> {
        guard let timeoutNanoseconds, !Self.lacksPreciseWait.load(ordering: .relaxed) else {
            let milliseconds = timeoutNanoseconds.map(SystemClock.millisecondsRoundedUp) ?? -1
            return try wait(timeoutMilliseconds: milliseconds)
        }
        var timeout = timespec(
            tv_sec: Int(timeoutNanoseconds / 1_000_000_000), tv_nsec: Int(timeoutNanoseconds % 1_000_000_000))
        let result = try buffer.withUnsafeMutableBufferPointer { events in
            try systemCallAllowingENOSYS("epoll_pwait2") {
                epoll_pwait2(descriptor, events.baseAddress, Int32(events.count), &timeout, nil)
            }
        }
        guard let count = result else {
            Self.lacksPreciseWait.store(true, ordering: .relaxed)
            return try wait(timeoutNanoseconds: timeoutNanoseconds)
        }
        return collect(count)
    }

    /// Set once epoll_pwait2 said ENOSYS (a kernel before 5.11).
    private static let lacksPreciseWait = Atomic<Bool>(false)

    private func systemCallAllowingENOSYS(_ name: String, _ body: () -> Int32) throws -> Int? {
        do {
            return Int(try blockingSystemCall(name, body))
        } catch let error as SystemError where error.errno == ENOSYS {
            return nil
        }
    }

    private func collect(_ count: Int) -> ArraySlice<(token: UInt64, events: Events)> {
        ready.removeAll(keepingCapacity: true)
        for index in 0..<count {
            ready.append((buffer[index].data.u64, Events(rawValue: buffer[index].events)))
        }
        return ready[...]
    }

    private var ready: [(token: UInt64, events: Events)] = []

    private func control(_ operation: Int32, _ fd: Int32, _ events: Events, _ token: UInt64, _ name: String) throws {
        var event = epoll_event()
        event.events = events.rawValue
        event.data.u64 = token
        try blockingSystemCall(name) { epoll_ctl(descriptor, operation, fd, &event) }
    }
}
