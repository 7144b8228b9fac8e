import Glibc

/// What can go wrong, each counted on its own. The ``key``s are the JSON summary's
/// `errors` keys (stable: scripts may read them).
public enum ErrorKind: Int, CaseIterable, Sendable {
    /// The server refused the connection (ECONNREFUSED): nothing listens, or its backlog
    /// overflowed with tcp_abort_on_overflow.
    case refused
    /// A connect did not complete within --timeout (the server's accept queue is full and
    /// the kernel drops the handshakes).
    case connectTimeout
    /// The process is out of file descriptors (EMFILE, ENFILE): RLIMIT_NOFILE.
    case descriptors
    /// No local port is left for another connection to this address (EADDRNOTAVAIL).
    case ports
    /// Another connect failure (reset during the handshake, unreachable, …).
    case connectFailed
    /// No complete answer within --timeout.
    case timeout
    /// The connection was reset (ECONNRESET, EPIPE).
    case reset
    /// The server closed the connection before the answer was complete (or while the
    /// connection was idle).
    case closedEarly
    /// An answer that is not the right one, or bytes nobody asked for.
    case wrongAnswer

    public var key: String {
        switch self {
        case .refused: "refused"
        case .connectTimeout: "connect_timeout"
        case .descriptors: "descriptors"
        case .ports: "ports"
        case .connectFailed: "connect_failed"
        case .timeout: "timeout"
        case .reset: "reset"
        case .closedEarly: "closed_early"
        case .wrongAnswer: "wrong_answer"
        }
    }

    /// Whether it happened while connecting (the others happen to a request).
    public var isConnectError: Bool {
        switch self {
        case .refused, .connectTimeout, .descriptors, .ports, .connectFailed: true
        case .timeout, .reset, .closedEarly, .wrongAnswer: false
        }
    }

    /// `reason` of `c10k_client_connect_errors_total`, or `outcome` of
    /// `c10k_client_requests_total`.
    public var metricLabel: String {
        switch self {
        case .refused: "refused"
        case .connectTimeout: "timeout"
        case .descriptors: "descriptors"
        case .ports: "ports"
        case .connectFailed: "other"
        case .timeout: "timeout"
        case .reset: "reset"
        case .closedEarly: "closed_early"
        case .wrongAnswer: "wrong_answer"
        }
    }

    /// The kind of a failed connect, from its errno.
    public static func connectFailure(errno: Int32) -> ErrorKind {
        switch errno {
        case ECONNREFUSED: .refused
        case EMFILE, ENFILE: .descriptors
        case EADDRNOTAVAIL: .ports
        case ETIMEDOUT: .connectTimeout
        default: .connectFailed
        }
    }
}

/// Counts by ``ErrorKind``.
public struct ErrorCounts: Equatable, Sendable {
    private var counts = [UInt64](repeating: 0, count: ErrorKind.allCases.count)

    public init() {}

    public subscript(kind: ErrorKind) -> UInt64 {
        get { counts[kind.rawValue] }
        set { counts[kind.rawValue] = newValue }
    }

    public var total: UInt64 { counts.reduce(0, +) }

    /// The kinds that happened, most frequent first: `timeout 12, refused 3`.
    public var description: String {
        let happened = ErrorKind.allCases.filter { self[$0] > 0 }.sorted { self[$0] > self[$1] }
        return happened.isEmpty ? "none" : happened.map { "\($0.key) \(self[$0])" }.joined(separator: ", ")
    }
}
