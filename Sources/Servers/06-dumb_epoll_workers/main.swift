// dumb_epoll_workers: N event loops on N threads, N the CPUs the process may run on. Each
// loop is dumb_epoll's, with its own epoll instance and its own SO_REUSEPORT listener: the
// kernel spreads new connections over the loops, and the loops share nothing but metrics
// and, out of descriptors, the process's one reserve descriptor and its rate-limited log.
// A BURN now stalls only the clients of its own loop, and N cores serve instead of one.
import ArgumentParser
import DumbEpollLoop
import DumbMetrics
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
        // queue and no wake-up between loops, and each loop stays dumb_epoll's, sharing no state of its own.
        // The price: the spread is a hash of the addresses, blind to load, so connections hashed
        // to a loop stalled in a BURN wait in its backlog while other loops idle.
        let server = try ServerStartup.start(
            name: "dumb_epoll_workers", server: "epoll_workers", model: "N epoll event loops on N threads",
            options: options, listenerCount: count, reusePort: true, style: .eventLoop)
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

DumbEpollWorkers.main()
