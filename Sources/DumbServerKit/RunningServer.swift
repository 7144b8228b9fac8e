import DumbMetrics
import DumbSystem
import Glibc
import Logging

/// A server, started: its sockets bound, its capabilities dropped, its metrics served.
public struct RunningServer: Sendable {
    public let logger: Logger
    public let metrics: ServerMetrics
    /// One listener, or one per event loop when asked for with `reusePort`.
    public let listeners: [Listener]
    public var listener: Listener { listeners[0] }
    /// An eventfd that becomes readable when SIGINT or SIGTERM arrives (event loops watch it).
    public let stopDescriptor: Int32
    /// Counts and logs (rate-limited) the connections it cannot take.
    public let refusals: AcceptRefusals

    /// The one accept path of every hand-written server: the next connection on `listener`,
    /// or why there is none now. A blocking listener waits for a connection; a non-blocking
    /// one says ``Accepted/nothingWaiting``.
    ///
    /// Out of descriptors (EMFILE, ENFILE), accept fails while the connection stays in the
    /// backlog, where it would wait for ever while the listener stays readable. So the
    /// connections waiting are refused with the reserve descriptor (``DescriptorReserve``):
    /// each is closed at once and counted. When not even that is possible, the loop is told
    /// to back off. Either way the refusals are counted and logged here, not by the loop.
    ///
    /// Throws only ``StopRequested``, when a stop signal interrupts a blocking accept.
    public func accept(from listener: Listener) throws(StopRequested) -> Accepted {
        while true {
            let result: AcceptResult
            do {
                result = try Socket.accept(listener.descriptor, nonBlocking: listener.nonBlocking)
            } catch let stop as StopRequested {
                throw stop
            } catch let error as SystemError where error.errno == EMFILE || error.errno == ENFILE {
                switch DescriptorReserve.shed(listener.descriptor) {
                case .shed:
                    refusals.refused(error)
                    continue
                case .nothingWaiting:
                    // out of descriptors, even a blocking accept fails at once, waiting or not
                    return .nothingWaiting
                case .noSpare:
                    return backOff(error)
                }
            } catch {
                return backOff(error)  // ENOMEM, ENOBUFS
            }
            switch result {
            case .wouldBlock:
                return .nothingWaiting
            case .connection(let connection):
                // it may hold the number another thread freed to shed with: the reserve comes first
                guard DescriptorReserve.keep(connection) else {
                    refusals.refused(SystemError("accept4", errno: EMFILE))
                    continue
                }
                return .connection(connection)
            }
        }
    }

    /// The next connection on the blocking ``listener``, for the blocking servers: waits until
    /// a client connects, refusing and backing off as ``accept(from:)`` says. Throws only
    /// ``StopRequested``.
    public func nextConnection() throws -> Int32 {
        while true {
            switch try accept(from: listener) {
            case .connection(let connection):
                return connection
            case .nothingWaiting:
                try Socket.waitUntilReadable(listener.descriptor)
            case .backOff(let until):
                try SystemClock.sleep(until: until)
            }
        }
    }

    /// Closes a connection the server accepted but cannot serve (no thread, no room in the
    /// poller, past select's FD_SETSIZE), and counts it as refused: counted first, so that a
    /// client that sees its connection closed finds it in the metrics.
    public func refuse(_ connection: Int32, because reason: any Error) {
        refusals.refused(reason)
        Socket.close(connection)
    }

    private func backOff(_ error: any Error) -> Accepted {
        refusals.backingOff(error)
        return .backOff(
            until: SystemClock.deadline(afterMilliseconds: Accepted.backOffMilliseconds, from: SystemClock.now()))
    }
}
