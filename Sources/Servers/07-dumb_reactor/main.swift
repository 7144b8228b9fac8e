// dumb_reactor: the Reactor pattern. One thread waits on every handle at once (a Poller:
// epoll, or poll, in Poller/) and dispatches each ready one to the event handler registered
// for it: the Acceptor for the listener, a ConnectionHandler per client, the BurnDispatcher
// for the pool's eventfd, the StopHandler for the stop signal. Handlers never block and never
// wait: each does what it can and tells the Reactor what it waits for next.
//
// The lesson beyond dumb_epoll: CPU work is an event too. A BURN goes to a fixed pool of
// threads (BurnPool) and its result comes back through an eventfd the reactor watches like a
// socket, so the reactor thread never computes: a PING is answered during any BURN, and the
// threads stay a handful whatever the connections.
import ArgumentParser
import DumbCommandLine
import DumbPoller
import DumbServerKit
import DumbSystem

struct DumbReactor: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_reactor",
        abstract: "The DUMB protocol on a reactor (event handlers over epoll) with a BURN thread pool.",
        discussion: """
            When every worker is busy, BURNs queue (at most 4 per worker in the pool, then in \
            the reactor, first come first served); nothing is refused.

            Examples:
              taskset -c 0,1 dumb_reactor
              echo "BURN 1000000000" | nc -N 127.0.0.1 8090 &
              time echo "PING" | nc -N 127.0.0.1 8090     # answered at once
              dumb_reactor --burn-threads 1      # BURNs queue, PINGs never do
              dumb_reactor --poller poll         # poll(2): compare %sys, many clients
              grep Threads /proc/$(pidof dumb_reactor)/status
            """)

    @OptionGroup var options: ServerOptions

    static let burnThreadCount = CPUCountOption(
        name: "burn-threads", variable: "DUMB_BURN_THREADS", counts: "Threads that compute BURNs", maximum: 256)

    @Option(name: .customLong("burn-threads"), help: Self.burnThreadCount.help)
    var burnThreads: Int?

    @Option(
        help: ArgumentHelp(
            "The demultiplexer: \(PollerBackend.allCases.map(\.rawValue).joined(separator: " or ")). (env: DUMB_POLLER)",
            valueName: "backend"))
    var poller: String = EnvironmentDefault.string("DUMB_POLLER") ?? PollerBackend.epoll.rawValue

    func validate() throws {
        _ = try Self.burnThreadCount.resolve(burnThreads)
        _ = try pollerBackend()
    }

    func pollerBackend() throws -> PollerBackend {
        guard let backend = PollerBackend(rawValue: poller) else {
            throw ValidationError("--poller \(poller) is not a backend: use epoll or poll.")
        }
        return backend
    }

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_reactor", serverLabel: "reactor", model: "reactor, BURN on a thread pool",
            options: options, style: .eventLoop)
        let metrics = server.metrics.worker(0)  // the reactor thread is the one event loop
        let turns = server.metrics.makeEventLoopIterationHistogram()

        let burnThreads = try Self.burnThreadCount.resolve(burnThreads)
        let reactor = Reactor(poller: try pollerBackend().make(), scratchSize: 64 * 1024)
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
