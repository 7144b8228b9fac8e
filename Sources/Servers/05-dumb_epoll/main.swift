// dumb_epoll: one thread, one epoll instance, non-blocking sockets. The thread sleeps in
// epoll_wait until sockets are ready, serves each as far as it goes without blocking, and
// sleeps again: ten thousand idle clients cost ten thousand small buffers, not threads.
// The price: all work runs on that thread, so one long BURN stalls every other client.
import ArgumentParser
import DumbMetrics
import DumbProtocol
import DumbServerKit
import DumbSystem

struct DumbEpoll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_epoll",
        abstract: "The DUMB protocol on one thread: one epoll event loop, non-blocking sockets.",
        discussion: """
            Demonstrates the event loop: a WAIT, a slow reader or a slow sender no longer \
            blocks the others, and thousands of idle connections cost no threads. A WAIT is a \
            timer (the earliest deadline bounds epoll_wait's sleep), and a STREAM is produced \
            as the socket drains, through a bounded buffer.

            The lesson it keeps: BURN runs on the loop's only thread. While one client burns, \
            every other client waits: no byte is read or written, no connection accepted, no \
            WAIT finished, not even a PING answered until the BURN is done. (dumb_epoll_workers \
            runs a loop per CPU; dumb_reactor moves BURN off the loop.)

            Examples:
              taskset -c 0 dumb_epoll                    # one CPU serves 10,000 clients
              echo "WAIT 5000" | nc -N 127.0.0.1 8090 &
              time echo "PING" | nc -N 127.0.0.1 8090    # at once: WAIT is a timer
              echo "BURN 1000000000" | nc -N 127.0.0.1 8090 &
              time echo "PING" | nc -N 127.0.0.1 8090    # after the BURN: the loop burns
              grep Threads /proc/$(pidof dumb_epoll)/status  # 2; 1 with --metrics-port 0
            """)

    @OptionGroup var options: ServerOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_epoll", server: "epoll", model: "one thread, one epoll event loop",
            options: options, nonBlocking: true, stop: .notify)
        let loop = try EventLoop(
            server: server, listener: server.listener.descriptor, metrics: server.metrics,
            iterationSeconds: server.metrics.makeEventLoopIterationHistogram(), stopDescriptor: server.stopDescriptor)
        try loop.run()
    }
}

/// An event loop: one epoll instance watching a listener and its connections, with the
/// connections' WAIT timers and the connections that used up their turn.
///
/// Edge-triggered (EPOLLET): each socket is added once, for input and output, and its
/// interest never changes. epoll reports a socket when it *becomes* readable or writable, so
/// the loop must use up what it was told — read until EAGAIN, write until EAGAIN, accept
/// until EAGAIN — which NonBlockingConnection does: it always tries the call. Level-triggered
/// would report a socket as long as it stays ready: the loop would have to switch each
/// connection's interest with epoll_ctl (drop EPOLLOUT once the output is sent, drop EPOLLIN
/// while a WAIT runs or while the output is full) or spin on the same ready sockets; that is
/// a system call for every change of state, which edge-triggered does without.
final class EventLoop {
    /// BURNs one connection may run in a row before the others get their turn: the byte
    /// budget of `drive` does not count CPU, so pipelined BURNs would keep the loop forever.
    static let burnsPerTurn = 16

    let server: RunningServer
    let listener: Int32
    let metrics: ServerMetrics
    let iterationSeconds: EventLoopIterationHistogram
    let stopDescriptor: Int32?
    let epoll: Epoll
    var connections: [Int32: NonBlockingConnection] = [:]
    /// WAITs under way. A heap whose earliest deadline becomes epoll_wait's timeout, rather
    /// than a timerfd per WAIT: no system calls and no descriptors per WAIT (ten thousand
    /// WAITs would be ten thousand more descriptors), at millisecond resolution, which is
    /// what WAIT <ms> asks for.
    var timers = WaitTimers()
    /// Connections that used their budget with work left. Edge-triggered epoll will not
    /// report them again (nothing changed), so the loop serves them next turn, after the
    /// others: one fast client cannot starve the rest.
    var ready = Set<Int32>()
    /// One read buffer for every connection of the loop.
    var scratch = [UInt8](repeating: 0, count: NonBlockingConnection.readChunk)

    init(
        server: RunningServer, listener: Int32, metrics: ServerMetrics, iterationSeconds: EventLoopIterationHistogram,
        stopDescriptor: Int32?
    ) throws {
        self.server = server
        self.listener = listener
        self.metrics = metrics
        self.iterationSeconds = iterationSeconds
        self.stopDescriptor = stopDescriptor
        epoll = try Epoll(capacity: 1024)
        try epoll.add(listener, [.input, .edgeTriggered], token: UInt64(listener))
        if let stopDescriptor { try epoll.add(stopDescriptor, [.input], token: UInt64(stopDescriptor)) }
    }

    func run() throws -> Never {
        while true {
            // Sleep until a socket is ready or the earliest WAIT is due; not at all when
            // connections wait for their next turn.
            let timeout = ready.isEmpty ? timers.timeoutMilliseconds(now: SystemClock.now()) : 0
            let events: ArraySlice<(token: UInt64, events: Epoll.Events)>
            do {
                events = try epoll.wait(timeoutMilliseconds: timeout)
            } catch let stop as StopRequested {
                ServerStartup.exit(server, stop)
            }
            let turnStarted = SystemClock.now()
            for (token, flags) in events {
                let descriptor = Int32(truncatingIfNeeded: token)
                if descriptor == listener {
                    acceptAll()
                } else if descriptor == stopDescriptor {
                    ServerStartup.exit(server, StopSignal.pending!)
                } else if connections[descriptor]?.session.isAwaiting == true {
                    // Its WAIT runs: the timer serves it. A reset or a hang-up cannot be
                    // answered, though: close it now, not when the WAIT ends (up to 10 min).
                    if !flags.isDisjoint(with: [.error, .hangUp]) { close(descriptor) }
                } else {
                    serve(descriptor)
                }
            }
            // The WAITs that are due: DONE, then on with the connection's next requests.
            let now = SystemClock.now()
            while let descriptor = timers.popDue(now: now) {
                if descriptor == listener {
                    acceptAll()  // its back-off is over: see retryAcceptingLater
                    continue
                }
                connections[descriptor]?.session.waitFinished()
                serve(descriptor)
            }
            // The connections that yielded: one more budget each, then back to epoll_wait.
            let turn = ready
            ready.removeAll(keepingCapacity: true)
            for descriptor in turn { serve(descriptor) }
            iterationSeconds.record(.nanoseconds(Int64(SystemClock.now() - turnStarted)))
        }
    }

    /// Edge-triggered: one event may stand for many pending connections.
    func acceptAll() {
        while true {
            do {
                switch try Socket.accept(listener, nonBlocking: true) {
                case .wouldBlock:
                    return  // the backlog is empty: the next connection is a new edge
                case .rejected(let error):
                    server.refusals.refused(error)  // out of descriptors: closed at once
                case .exhausted(let error):
                    server.refusals.backingOff(error)
                    retryAcceptingLater()
                    return
                case .connection(let descriptor):
                    try? Socket.setNoDelay(descriptor)
                    do {
                        try epoll.add(descriptor, [.input, .output, .edgeTriggered], token: UInt64(descriptor))
                    } catch {
                        Socket.close(descriptor)  // the kernel is out of memory for watches
                        server.refusals.refused(error)
                        continue
                    }
                    connections[descriptor] = NonBlockingConnection(descriptor: descriptor, observer: metrics)
                    metrics.connectionAccepted()  // not served yet: epoll reports the new socket writable
                }
            } catch {
                server.refusals.backingOff(error)  // ENOMEM, ENOBUFS
                retryAcceptingLater()
                return
            }
        }
    }

    /// Out of descriptors with none to spare, or accept failing: the connections stay in the
    /// backlog, and edge-triggered epoll will not report them again; a new edge comes only
    /// with a new connection, maybe never. So accept again after a short back-off, a timer
    /// on the heap the WAITs use, under the listener's descriptor.
    func retryAcceptingLater() {
        guard !timers.contains(descriptor: listener) else { return }
        timers.add(descriptor: listener, milliseconds: Socket.exhaustedRetryMilliseconds, now: SystemClock.now())
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
                timers.add(descriptor: descriptor, milliseconds: milliseconds, now: SystemClock.now())
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
        timers.cancel(descriptor: descriptor)
        ready.remove(descriptor)
        Socket.close(descriptor)  // which also takes it out of the epoll set
        metrics.connectionClosed()
    }
}

DumbEpoll.main()
