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
