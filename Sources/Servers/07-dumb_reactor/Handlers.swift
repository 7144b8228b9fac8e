import DequeModule
import DumbMetrics
import DumbPoller
import DumbServerKit
import DumbSystem
import Logging

/// The listening socket's handler: accepts the connections waiting and registers a
/// ``ConnectionHandler`` for each.
final class Acceptor: EventHandler {
    let descriptor: Int32
    private unowned let reactor: Reactor
    private let burns: BurnDispatcher
    private let server: RunningServer
    private let metrics: WorkerMetrics
    private var token: Reactor.Token = 0

    init(server: RunningServer, reactor: Reactor, burns: BurnDispatcher, metrics: WorkerMetrics) {
        self.descriptor = server.listener.descriptor
        self.reactor = reactor
        self.burns = burns
        self.server = server
        self.metrics = metrics
    }

    func start() throws {
        token = try reactor.register(self, interest: .read)
    }

    func handleRead() {
        // a bounded batch per turn: a connection storm must not keep the others waiting
        for _ in 0..<64 {
            do {
                switch try Socket.accept(descriptor, nonBlocking: true) {
                case .connection(let connection):
                    do {
                        try ConnectionHandler(
                            descriptor: connection, reactor: reactor, burns: burns, metrics: metrics,
                            logger: server.logger
                        ).start()
                    } catch {
                        server.refusals.refused(error)  // the poller did not take it: closed at once
                    }
                case .rejected(let error):
                    server.refusals.refused(error)  // out of descriptors: closed at once
                case .exhausted(let error):
                    backOff(error)
                    return
                case .wouldBlock:
                    return
                }
            } catch {
                backOff(error)  // ENOMEM, ENOBUFS
                return
            }
        }
    }

    /// Out of descriptors with none to spare, or accept failing: the connections stay in the
    /// backlog and the listener stays readable, so the level-triggered poller would report it
    /// at once, turn after turn. Wait for nothing for a short while, on a reactor timer.
    private func backOff(_ error: any Error) {
        server.refusals.backingOff(error)
        try? reactor.setInterest(token, [])
        _ = reactor.schedule(afterMilliseconds: Socket.exhaustedRetryMilliseconds) { [self] in
            try? reactor.setInterest(token, .read)
        }
    }
}

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
    /// connection is closed and the error thrown: the caller counts it as refused.
    func start() throws {
        try? Socket.setNoDelay(descriptor)
        do {
            token = try reactor.register(self, interest: .read)
        } catch {
            Socket.close(descriptor)
            throw error
        }
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

/// The reactor's side of the ``BurnPool``: hands BURNs to the pool, and is the event handler
/// of the pool's eventfd, which makes finished BURNs one more kind of event the reactor
/// demultiplexes. Everything here runs on the reactor thread.
///
/// The pool holds at most `capacity` BURNs, queued or running. When it is full, a connection
/// with a BURN waits its turn here (first come, first served). It costs nothing meanwhile:
/// it reads nothing more (each connection has at most one request in progress) and it is
/// never refused, since the protocol has no "busy" answer. A connection that is reset
/// gives up its place, its queued job, or its running one. (One that is only half-closed
/// still gets its answer, as the protocol wants.)
final class BurnDispatcher: EventHandler {
    let pool: BurnPool
    let capacity: Int
    var descriptor: Int32 { pool.completions.descriptor }
    private var nextTicket: UInt64 = 1
    /// Handed to the pool and still wanted, by ticket.
    private var submitted: [UInt64: ConnectionHandler] = [:]
    /// Jobs in the pool, queued or running (cancelled ones too, until they stop).
    private var inPool = 0
    /// Waiting for room in the pool.
    private var parked = Deque<(connection: ConnectionHandler, iterations: UInt64)>()

    init(pool: BurnPool, capacity: Int) {
        self.pool = pool
        self.capacity = capacity
    }

    func submit(iterations: UInt64, for connection: ConnectionHandler) {
        guard inPool < capacity else {
            parked.append((connection, iterations))
            return
        }
        let ticket = nextTicket
        nextTicket += 1
        submitted[ticket] = connection
        inPool += 1
        pool.submit(BurnPool.Job(ticket: ticket, iterations: iterations))
    }

    func cancel(for connection: ConnectionHandler) {
        if let index = parked.firstIndex(where: { $0.connection === connection }) {
            parked.remove(at: index)
        } else if let ticket = submitted.first(where: { $0.value === connection })?.key {
            submitted[ticket] = nil
            if pool.cancel(ticket: ticket) {
                inPool -= 1
                admitParked()
            }
        }
    }

    /// The eventfd is readable: jobs are back.
    func handleRead() {
        pool.completions.drain()
        for finished in pool.takeFinished() {
            inPool -= 1
            let connection = submitted.removeValue(forKey: finished.ticket)
            if let connection, let result = finished.result {
                connection.burnFinished(result: result)
            }
        }
        admitParked()
    }

    private func admitParked() {
        while inPool < capacity, let (connection, iterations) = parked.popFirst() {
            submit(iterations: iterations, for: connection)
        }
    }
}

/// The stop signal's eventfd: SIGINT or SIGTERM ends the process from the reactor thread.
final class StopHandler: EventHandler {
    let descriptor: Int32
    private let server: RunningServer

    init(server: RunningServer) {
        self.descriptor = server.stopDescriptor
        self.server = server
    }

    func handleRead() {
        if let stop = StopSignal.pending { ServerStartup.exit(server, stop) }
    }
}
