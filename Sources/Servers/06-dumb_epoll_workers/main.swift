// dumb_epoll_workers: N event loops on N threads, N the CPUs the process may run on. Each
// loop is dumb_epoll's, with its own epoll instance and its own SO_REUSEPORT listener: the
// kernel spreads new connections over the loops, and the loops share nothing but metrics.
// A BURN now stalls only the clients of its own loop, and N cores serve instead of one.
import ArgumentParser
import DumbMetrics
import DumbProtocol
import DumbServerKit
import DumbSystem
import Glibc

struct DumbEpollWorkers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_epoll_workers",
        abstract: "The DUMB protocol on N epoll event loops, one thread and one listener each.",
        discussion: """
            Demonstrates scaling an event loop across cores: N copies of dumb_epoll's loop, one \
            per thread. N is the number of CPUs this process may run on (its affinity: taskset, \
            a container's cpuset; not the host's core count), or --workers. Each loop has its \
            own listening socket on the same port (SO_REUSEPORT), and the kernel hashes each \
            new connection to one of them; a connection stays on its loop for its whole life. \
            dumb_worker_connections_active and dumb_worker_requests_total, labelled by worker, \
            show the spread (the "DUMB epoll workers" dashboard).

            The lesson it keeps: BURN still runs inline, so a long BURN stalls every client of \
            its loop (and the connections the kernel hashes to that loop meanwhile), while the \
            other loops go on.

            Examples:
              taskset -c 0,1 dumb_epoll_workers      # two loops on two CPUs
              taskset -c 0 dumb_epoll_workers        # one loop: dumb_epoll again
              dumb_epoll_workers --workers 8         # 8 loops, sharing the CPUs
              curl -s localhost:8091/metrics | grep dumb_worker_connections_active
            """)

    @OptionGroup var options: ServerOptions

    @Option(
        help: ArgumentHelp(
            "Event loops, each on its own thread (default: the CPUs this process may run on). (env: DUMB_WORKERS)",
            valueName: "count"))
    var workers: Int?

    /// The option, or DUMB_WORKERS when the option is not given.
    var requestedWorkers: Int? { workers ?? EnvironmentDefault.integer("DUMB_WORKERS") }

    static let maximumWorkers = 1024

    func validate() throws {
        try EnvironmentDefault.checkIntegers(["DUMB_WORKERS"])
        if let workers = requestedWorkers, !(1...Self.maximumWorkers).contains(workers) {
            throw ValidationError(
                "--workers \(workers) is not a loop count: give 1 to \(Self.maximumWorkers), or leave it out for one per CPU (\(CPUAffinity.allowedCPUCount()) here)."
            )
        }
    }

    func run() throws {
        let count = requestedWorkers ?? CPUAffinity.allowedCPUCount()
        // One listener per loop, all on one port (SO_REUSEPORT), rather than one acceptor thread
        // handing connections to the loops: the kernel spreads connections with no thread, no
        // queue and no wake-up between loops, and each loop stays dumb_epoll's, sharing nothing.
        // The price: the spread is a hash of the addresses, blind to load, so connections hashed
        // to a loop stalled in a BURN wait in its backlog while other loops idle.
        let server = try ServerStartup.start(
            name: "dumb_epoll_workers", server: "epoll_workers", model: "N epoll event loops on N threads",
            options: options, listenerCount: count, reusePort: true, nonBlocking: true, stop: .notify)
        let iterationSeconds = server.metrics.makeEventLoopIterationHistogram()
        let metrics = (0..<count).map { server.metrics.worker($0) }
        // Threads start only now: start() dropped the capabilities, and they are per thread.
        for index in 1..<count {
            try Threads.start {
                do {
                    let loop = try EventLoop(
                        server: server, listener: server.listeners[index].descriptor, metrics: metrics[index],
                        iterationSeconds: iterationSeconds, stopDescriptor: nil)
                    try loop.run()
                } catch {
                    server.logger.critical("event loop \(index) failed: \(error)")
                    Glibc.exit(1)
                }
            }
        }
        server.logger.notice(
            "running \(count) event loops, one thread and one listener each",
            metadata: ["cpus": "\(CPUAffinity.listDescription(CPUAffinity.allowedCPUs()))"])
        // Loop 0 runs on the main thread, the one that receives SIGINT and SIGTERM (the others
        // block them): it alone watches the stop and ends the process.
        let loop = try EventLoop(
            server: server, listener: server.listeners[0].descriptor, metrics: metrics[0],
            iterationSeconds: iterationSeconds, stopDescriptor: server.stopDescriptor)
        try loop.run()
    }
}

/// One of the event loops: one epoll instance watching a listener and its connections, with the
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
    let metrics: WorkerMetrics  // this loop's series (and the server's totals)
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
        server: RunningServer, listener: Int32, metrics: WorkerMetrics, iterationSeconds: EventLoopIterationHistogram,
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

DumbEpollWorkers.main()
