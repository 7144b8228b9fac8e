import DumbSystem
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

    /// What to do about it, appended to the note that reports the first one; empty when the
    /// note says enough.
    public func advice(connectingTo address: SocketAddress) -> String {
        switch self {
        case .refused:
            " (nothing listens on \(address)? start a server, e.g. make dumb_epoll && ./dumb_epoll, or give --host/--port)"
        case .descriptors:
            " (out of file descriptors: see RLIMIT_NOFILE, ulimit -n)"
        case .ports:
            " (out of local ports for \(address): see net.ipv4.ip_local_port_range)"
        default:
            ""
        }
    }
}
