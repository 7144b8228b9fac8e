import DumbEpollLoop
import DumbMetrics
import DumbServerKit
import DumbSystem
import Logging

/// One client's handler: drives its ``NonBlockingConnection`` when the socket is ready and
/// tells the reactor what to wait for next — readable, writable, a timer (WAIT) or a BURN
/// result. It never blocks and never computes a BURN itself.
final class ConnectionHandler: EventHandler {
    private let connection: NonBlockingConnection
    var descriptor: Int32 { connection.descriptor }
    private unowned let reactor: Reactor
    private let burns: BurnDispatcher
    private let metrics: WorkerMetrics
    private let logger: Logger
    private var token: Reactor.Token = 0
    private var timer: Reactor.TimerID?
    private var burning = false
    private(set) var isOpen = true

    init(descriptor: Int32, reactor: Reactor, burns: BurnDispatcher, metrics: WorkerMetrics, logger: Logger) {
        self.connection = NonBlockingConnection(descriptor: descriptor, observer: metrics)
        self.reactor = reactor
        self.burns = burns
        self.metrics = metrics
        self.logger = logger
    }

    /// Registers the connection with the reactor. When the poller does not take it, the
    /// error is thrown and the caller refuses the connection.
    func start() throws {
        token = try reactor.register(self, interest: .read)
        try? Socket.setNoDelay(descriptor)
        metrics.connectionAccepted()
    }

    func handleRead() { drive() }
    func handleWrite() { drive() }

    /// The client reset the connection during a WAIT or a BURN: nobody will read the answer,
    /// so the timer is cancelled and the BURN given up, freeing its worker thread.
    func handleFailure() { close() }

    /// Serves what can be served now, then says what to wait for.
    private func drive() {
        let outcome = connection.drive(scratch: &reactor.scratch)
        do {
            switch outcome {
            case .needsInput:
                try reactor.setInterest(token, .read)
            case .needsOutput:
                try reactor.setInterest(token, .write)
            case .yielded:
                // its budget is spent: level-triggered, it comes back next turn, after the others
                try reactor.setInterest(token, [.read, .write])
            case .wait(let milliseconds):
                // nothing to read meanwhile: the next request waits in the socket (only a
                // reset is still reported, to handleFailure)
                try reactor.setInterest(token, [])
                timer = reactor.schedule(afterMilliseconds: milliseconds) { [self] in
                    timer = nil
                    connection.session.waitFinished()
                    drive()
                }
            case .burn(let iterations):
                try reactor.setInterest(token, [])
                burning = true
                burns.submit(iterations: iterations, for: self)
            case .close:
                close()
            }
        } catch {
            logger.warning("connection \(descriptor) dropped: \(error)")
            close()
        }
    }

    /// The pool computed this connection's BURN (called on the reactor thread).
    func burnFinished(result: UInt64) {
        burning = false
        connection.session.burnFinished(result: result)
        drive()
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        reactor.deregister(token)
        if let timer { reactor.cancel(timer) }
        if burning { burns.cancel(for: self) }
        Socket.close(descriptor)
        metrics.connectionClosed()
    }
}
