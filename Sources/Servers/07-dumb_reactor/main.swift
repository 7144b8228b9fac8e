// dumb_reactor: the Reactor pattern. One thread waits on every handle at once (a Poller:
// epoll, or poll) and dispatches each ready one to the event handler registered for it.
// CPU-heavy BURNs go to a fixed pool of threads and come back through an eventfd, so the
// reactor never stalls on CPU work: a PING is answered during any BURN (dumb_epoll stalls).
import ArgumentParser
import DumbPoller
import DumbServerKit
import DumbSystem

struct DumbReactor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_reactor",
        abstract: "The DUMB protocol on a reactor (event handlers over epoll) with a BURN thread pool.",
        discussion: """
            Demonstrates the Reactor pattern: one thread demultiplexes readiness and timers and \
            dispatches each event to a registered handler (the listener's, each connection's, \
            the BURN pool's eventfd, the stop signal's). Handlers never block: WAIT is a timer, \
            STREAM follows the socket's room, and BURN runs on --burn-threads worker threads \
            whose results come back through an eventfd. So, unlike dumb_epoll, a long BURN \
            delays no other client; the threads stay few whatever the connections. When every \
            worker is busy, BURNs queue (at most 4 per worker in the pool, then in the reactor, \
            first come first served); nothing is refused.

            Examples:
              taskset -c 0,1 dumb_reactor
              echo "BURN 1000000000" | nc -N 127.0.0.1 8090 &
              time echo "PING" | nc -N 127.0.0.1 8090     # answered at once
              dumb_reactor --burn-threads 1      # BURNs queue, PINGs never do
              dumb_reactor --poller poll         # poll(2): compare %sys, many clients
              grep Threads /proc/$(pidof dumb_reactor)/status
            """)

    @OptionGroup var options: ServerOptions

    @Option(
        name: .customLong("burn-threads"),
        help: ArgumentHelp(
            "Threads that compute BURNs, 1 to \(Self.maxBurnThreads) (default: the CPUs this process may use). (env: DUMB_BURN_THREADS)",
            valueName: "count"))
    var burnThreads: Int = EnvironmentDefault.integer("DUMB_BURN_THREADS") ?? CPUAffinity.allowedCPUCount()

    @Option(
        help: ArgumentHelp(
            "The demultiplexer: \(PollerBackend.allCases.map(\.rawValue).joined(separator: " or ")). (env: DUMB_POLLER)",
            valueName: "backend"))
    var poller: String = EnvironmentDefault.string("DUMB_POLLER") ?? PollerBackend.epoll.rawValue

    static let maxBurnThreads = 256

    func validate() throws {
        try EnvironmentDefault.checkIntegers(["DUMB_BURN_THREADS"])
        guard (1...Self.maxBurnThreads).contains(burnThreads) else {
            throw ValidationError(
                "--burn-threads \(burnThreads) is out of range: give 1 to \(Self.maxBurnThreads) (the CPUs you have is a good start)."
            )
        }
        guard PollerBackend(rawValue: poller) != nil else {
            throw ValidationError("--poller \(poller) is not a backend: use epoll or poll.")
        }
    }

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_reactor", server: "reactor", model: "reactor, BURN on a thread pool",
            options: options, style: .eventLoop)
        let metrics = server.metrics.worker(0)  // the reactor thread is the one event loop
        let turns = server.metrics.makeEventLoopIterationHistogram()

        let reactor = Reactor(poller: try PollerBackend(rawValue: poller)!.make(), scratchSize: 64 * 1024)
        let pool = try BurnPool(threadCount: burnThreads)
        try pool.start()  // after ServerStartup.start: the threads get no capabilities
        let burns = BurnDispatcher(pool: pool, capacity: 4 * burnThreads)

        // The handlers of the server's own handles; each connection's registers when accepted.
        _ = try reactor.register(StopHandler(server: server), interest: .read)
        _ = try reactor.register(burns, interest: .read)
        try Acceptor(server: server, reactor: reactor, burns: burns, metrics: metrics).start()
        server.logger.info("reactor on \(reactor.poller.name), BURNs on \(burnThreads) worker threads")
        do {
            try reactor.run { nanoseconds in turns.record(.nanoseconds(Int64(nanoseconds))) }
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }
}

DumbReactor.main()
