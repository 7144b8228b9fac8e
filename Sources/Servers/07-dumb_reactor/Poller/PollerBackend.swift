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
