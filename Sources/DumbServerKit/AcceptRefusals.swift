import DumbMetrics
import DumbSystem
import Glibc
import Logging

/// What a server reports about the connections it cannot take: each one refused (closed at
/// once, counted in `dumb_connections_rejected_total`), and each time it must stop accepting
/// for a while (``Accepted/backOff(until:)``).
///
/// Both are logged, but not one line each: a flood of connections must not flood the log.
/// The first of a kind is logged at once; those that follow within ``interval`` are counted,
/// and the next one after it logs how many came meanwhile. The metric stays exact.
///
/// One per server (``RunningServer/refusals``), shared by its threads.
public final class AcceptRefusals: Sendable {
    /// At most one line of each kind per interval.
    public static let interval: Duration = .seconds(5)

    private struct Kind {
        var lastLogged: UInt64?
        var unlogged = 0
    }

    private let metrics: ServerMetrics
    private let logger: Logger
    private let clock: @Sendable () -> UInt64
    private let kinds = Locked<(refused: Kind, backingOff: Kind)>((Kind(), Kind()))

    /// - Parameter clock: monotonic nanoseconds (tests pass their own).
    public init(metrics: ServerMetrics, logger: Logger, clock: @escaping @Sendable () -> UInt64 = SystemClock.now) {
        self.metrics = metrics
        self.logger = logger
        self.clock = clock
    }

    /// A connection was refused: closed at once, without being served.
    public func refused(_ error: any Error) {
        metrics.connectionRejected()
        switch due(\.refused) {
        case nil:
            break
        case (0, _)?:
            logger.warning(
                "refused a connection, closed at once: \(error) (one line per \(Self.interval) at most; dumb_connections_rejected_total counts every one)"
            )
        case (let more, let seconds)?:
            logger.warning("refused \(more + 1) more connections in \(seconds) s: \(error)")
        }
    }

    /// The server stops accepting for ``Accepted/backOffMilliseconds``: out of descriptors
    /// with none to refuse connections with, or accept failed.
    public func backingOff(_ error: any Error) {
        var reason = "\(error)"
        if let error = error as? SystemError, error.errno == EMFILE || error.errno == ENFILE {
            reason += ", and no descriptor is free to refuse connections with"
        }
        let retry = "they wait in the backlog; retrying every \(Accepted.backOffMilliseconds) ms"
        switch due(\.backingOff) {
        case nil:
            break
        case (0, _)?:
            logger.warning("cannot accept now: \(reason): \(retry)")
        case (let more, let seconds)?:
            logger.warning("cannot accept now, \(more + 1) more times in \(seconds) s: \(reason): \(retry)")
        }
    }

    /// Nil while a line of this kind was logged less than ``interval`` ago (this one is
    /// counted); otherwise how many went unlogged since that line, and how long ago it was.
    private func due(_ kind: WritableKeyPath<(refused: Kind, backingOff: Kind), Kind>) -> (Int, String)? {
        let now = clock()
        let interval = SystemClock.nanoseconds(Self.interval)
        return kinds.withLock { kinds in
            if let last = kinds[keyPath: kind].lastLogged, now &- last < interval {
                kinds[keyPath: kind].unlogged += 1
                return nil
            }
            let unlogged = kinds[keyPath: kind].unlogged
            let tenths = kinds[keyPath: kind].lastLogged.map { (now &- $0) / 100_000_000 } ?? 0
            kinds[keyPath: kind] = Kind(lastLogged: now, unlogged: 0)
            return (unlogged, "\(tenths / 10).\(tenths % 10)")
        }
    }
}
