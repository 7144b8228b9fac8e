/// The readiness demultiplexer behind the reactor: one small interface, one file per backend
/// (``EpollPoller``, ``PollPoller``), as Redis has `ae.h` over `ae_epoll.c` and `ae_select.c`
/// and SwiftNIO its selector over epoll and kqueue. The reactor says which descriptors it
/// wants watched and for what; the poller waits and says which are ready. It knows nothing
/// of handlers, timers or the protocol.
///
/// Readiness is level-triggered in every backend: a descriptor is reported as long as it
/// stays ready, so a handler that stops early (its budget spent) is simply called again.
public protocol Poller: AnyObject {
    /// The backend's name, for logs (`epoll`, `poll`).
    var name: String { get }

    /// Starts watching `descriptor` for `interest`; `token` comes back with its events. A
    /// descriptor is watched at most once. With an empty interest only a failure is reported.
    func add(_ descriptor: Int32, interest: Interest, token: UInt64) throws

    /// Changes what a watched descriptor is watched for.
    func modify(_ descriptor: Int32, interest: Interest, token: UInt64) throws

    /// Stops watching `descriptor`. Call it before closing the descriptor.
    func remove(_ descriptor: Int32)

    /// Waits until a watched descriptor is ready or `timeoutMilliseconds` pass (-1: no limit;
    /// 0: just look), and replaces `events` with what is ready (empty on timeout). A stop
    /// signal (SIGINT, SIGTERM) throws `StopRequested`.
    func poll(timeoutMilliseconds: Int32, into events: inout [PollerEvent]) throws
}

/// What a descriptor is watched for.
public struct Interest: OptionSet, Hashable, Sendable, CustomStringConvertible {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// Data to read, a connection to accept, or end of input.
    public static let read = Interest(rawValue: 1 << 0)
    /// Room in the send buffer.
    public static let write = Interest(rawValue: 1 << 1)

    public var description: String {
        switch self {
        case []: "none"
        case .read: "read"
        case .write: "write"
        default: "read+write"
        }
    }
}

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

/// The backends this build has, by the names the command line uses.
public enum PollerBackend: String, CaseIterable, Sendable {
    case epoll
    case poll

    /// A new poller of this backend.
    public func make() throws -> any Poller {
        switch self {
        case .epoll: try EpollPoller()
        case .poll: PollPoller()
        }
    }
}
