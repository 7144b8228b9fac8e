import DequeModule

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
