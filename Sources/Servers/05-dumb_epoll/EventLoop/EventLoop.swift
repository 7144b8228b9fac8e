// dumb_epoll's event loop, in a library of its own so that dumb_epoll_workers runs the very
// same loop, one per CPU, and dumb_reactor builds on its NonBlockingConnection and TimerHeap.
// The loop is dumb_epoll's lesson: read it with its main.swift.
import DumbMetrics
import DumbProtocol
import DumbServerKit
import DumbSystem

/// dumb_epoll's event loop: one epoll instance watching a listener and its connections, with
/// the connections' WAIT timers and the connections that used up their turn. dumb_epoll runs
/// one; dumb_epoll_workers runs one per CPU, each with its own listener, unchanged.
///
/// Edge-triggered (EPOLLET): each socket is added once, for input and output, and its
/// interest never changes. epoll reports a socket when it *becomes* readable or writable, so
/// the loop must use up what it was told — read until EAGAIN, write until EAGAIN, accept
/// until EAGAIN — which NonBlockingConnection does: it always tries the call. Level-triggered
/// would report a socket as long as it stays ready: the loop would have to switch each
/// connection's interest with epoll_ctl (drop EPOLLOUT once the output is sent, drop EPOLLIN
/// while a WAIT runs or while the output is full) or spin on the same ready sockets; that is
/// a system call for every change of state, which edge-triggered does without.
public final class EventLoop {
    /// BURNs one connection may run in a row before the others get their turn: the byte
    /// budget of `drive` does not count CPU, so pipelined BURNs would keep the loop forever.
    static let burnsPerTurn = 16

    let server: RunningServer
    let listener: Listener
    /// The server's counters (dumb_epoll), or this loop's share of them (dumb_epoll_workers).
    let metrics: any ConnectionMetrics
    let iterationSeconds: EventLoopIterationHistogram
    let stopDescriptor: Int32?
    let epoll: Epoll
    var connections: [Int32: NonBlockingConnection] = [:]
    /// WAITs under way. A heap whose earliest deadline becomes epoll_wait's timeout, rather
    /// than a timerfd per WAIT: no system calls and no descriptors per WAIT (ten thousand
    /// WAITs would be ten thousand more descriptors), at millisecond resolution, which is
    /// what WAIT <ms> asks for.
    var timers = TimerHeap<Int32>()
    /// Set while accepting backs off (out of descriptors with none to refuse connections
    /// with): when to accept again.
    var acceptResumes: UInt64?
    /// Connections that used their budget with work left. Edge-triggered epoll will not
    /// report them again (nothing changed), so the loop serves them next turn, after the
    /// others: one fast client cannot starve the rest.
    var ready = Set<Int32>()
    /// One read buffer for every connection of the loop.
    var scratch = [UInt8](repeating: 0, count: NonBlockingConnection.readChunk)

    /// - Parameter stopDescriptor: the eventfd SIGINT and SIGTERM make readable: given to one
    ///   loop only, the one on the main thread, which ends the process.
    public init(
        server: RunningServer, listener: Listener, metrics: any ConnectionMetrics,
        iterationSeconds: EventLoopIterationHistogram,
        stopDescriptor: Int32?
    ) throws {
        self.server = server
        self.listener = listener
        self.metrics = metrics
        self.iterationSeconds = iterationSeconds
        self.stopDescriptor = stopDescriptor
        epoll = try Epoll(capacity: 1024)
        try epoll.add(listener.descriptor, [.input, .edgeTriggered], token: UInt64(listener.descriptor))
        if let stopDescriptor { try epoll.add(stopDescriptor, [.input], token: UInt64(stopDescriptor)) }
    }

    public func run() throws -> Never {
        do {
            while true { try turn() }
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }

    /// One turn: sleep until a socket is ready or a timer is due, then serve what is ready.
    func turn() throws {
        // not at all when connections wait for their next turn
        let wake = [timers.nextDeadline(), acceptResumes].compactMap { $0 }.min()
        let timeout = ready.isEmpty ? SystemClock.timeoutMilliseconds(until: wake, now: SystemClock.now()) : 0
        let events = try epoll.wait(timeoutMilliseconds: timeout)
        let turnStarted = SystemClock.now()
        for (token, flags) in events {
            let descriptor = Int32(truncatingIfNeeded: token)
            if descriptor == listener.descriptor {
                try acceptAll()
            } else if descriptor == stopDescriptor {
                ServerStartup.exit(server, StopSignal.pending!)
            } else {
                serve(descriptor)  // not while its WAIT runs: the timer serves it then
                // A reset or a hang-up cannot be answered. If the connection is in a WAIT (one
                // under way, or one read just now, sent right before the reset), no other event
                // will come for it: close it now, not when the WAIT ends (up to 10 min).
                if !flags.isDisjoint(with: [.error, .hangUp]), connections[descriptor]?.session.isAwaiting == true {
                    close(descriptor)
                }
            }
        }
        let now = SystemClock.now()
        if let resume = acceptResumes, resume <= now {
            acceptResumes = nil
            try acceptAll()
        }
        // The WAITs that are due: DONE, then on with the connection's next requests.
        while let descriptor = timers.popDue(now: now) {
            connections[descriptor]?.session.waitFinished()
            serve(descriptor)
        }
        // The connections that yielded: one more budget each, then back to epoll_wait.
        let turn = ready
        ready.removeAll(keepingCapacity: true)
        for descriptor in turn { serve(descriptor) }
        iterationSeconds.record(.nanoseconds(Int64(SystemClock.now() - turnStarted)))
    }

    /// Edge-triggered: one event may stand for many pending connections, so accept until the
    /// backlog is empty.
    func acceptAll() throws(StopRequested) {
        while true {
            switch try server.accept(from: listener) {
            case .connection(let descriptor):
                do {
                    try epoll.add(descriptor, [.input, .output, .edgeTriggered], token: UInt64(descriptor))
                } catch {
                    server.refuse(descriptor, because: error)  // the kernel is out of memory for watches
                    continue
                }
                try? Socket.setNoDelay(descriptor)
                connections[descriptor] = NonBlockingConnection(descriptor: descriptor, observer: metrics)
                metrics.connectionAccepted()  // not served yet: epoll reports the new socket writable
            case .nothingWaiting:
                return  // the next connection is a new edge
            case .backOff(let until):
                // The connections left in the backlog make no new edge: epoll will not report
                // them again, maybe never. So accept again at `until`, whatever epoll says.
                acceptResumes = until
                return
            }
        }
    }

    /// Serves one connection as far as it goes without blocking.
    func serve(_ descriptor: Int32) {
        guard let connection = connections[descriptor], !connection.session.isAwaiting else { return }
        var burns = 0
        while true {
            switch connection.drive(scratch: &scratch) {
            case .needsInput, .needsOutput:
                return  // epoll reports the socket when that changes
            case .wait(let milliseconds):
                timers.add(descriptor, milliseconds: milliseconds, now: SystemClock.now())
                return
            case .burn(let iterations):
                // THE LESSON: the BURN runs here, on the loop's only thread. Until it returns,
                // no other client is read from, written to, accepted or woken from its WAIT.
                connection.session.burnFinished(result: Burn.result(iterations: iterations))
                burns += 1
                if burns == Self.burnsPerTurn {
                    ready.insert(descriptor)
                    return
                }
            case .yielded:
                ready.insert(descriptor)
                return
            case .close:
                close(descriptor)
                return
            }
        }
    }

    func close(_ descriptor: Int32) {
        guard connections.removeValue(forKey: descriptor) != nil else { return }
        timers.cancel(descriptor)
        ready.remove(descriptor)
        Socket.close(descriptor)  // which also takes it out of the epoll set
        metrics.connectionClosed()
    }
}
