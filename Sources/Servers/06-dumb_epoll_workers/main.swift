// dumb_epoll_workers: N event loops on N threads, N the CPUs the process may run on. Each
// loop is dumb_epoll's, unchanged (../05-dumb_epoll/EventLoop), with its own epoll instance
// and its own SO_REUSEPORT listener on the same port: the kernel hashes each new connection
// to one listener, and the connection stays on that loop for its whole life. The loops share
// nothing but metrics and, out of descriptors, the process's one reserve descriptor.
//
// The lesson: N cores serve instead of one, and a BURN stalls only the clients of its own
// loop (and the connections the kernel hashes to that loop meanwhile, blind to its load).
import ArgumentParser
import DumbCommandLine
import DumbEpollLoop
import DumbServerKit
import DumbSystem
import Glibc

struct DumbEpollWorkers: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_epoll_workers",
        abstract: "The DUMB protocol on N epoll event loops, one thread and one listener each.",
        discussion: """
            dumb_worker_connections_active and dumb_worker_requests_total, labelled by worker, \
            show the spread (the "DUMB epoll workers" dashboard).

            Examples:
              taskset -c 0,1 dumb_epoll_workers      # two loops on two CPUs
              taskset -c 0 dumb_epoll_workers        # one loop: dumb_epoll again
              dumb_epoll_workers --workers 8         # 8 loops, sharing the CPUs
              curl -s localhost:8091/metrics | grep dumb_worker_connections_active
            """)

    @OptionGroup var options: ServerOptions

    static let workerCount = CPUCountOption(
        name: "workers", variable: "DUMB_WORKERS", counts: "Event loops, each on its own thread", maximum: 1024,
        complaint: "not a loop count")

    @Option(help: Self.workerCount.help) var workers: Int?

    func validate() throws {
        _ = try Self.workerCount.resolve(workers)
    }

    func run() throws {
        let count = try Self.workerCount.resolve(workers)
        // One listener per loop, all on one port (SO_REUSEPORT), rather than one acceptor thread
        // handing connections to the loops: the kernel spreads connections with no thread, no
        // queue and no wake-up between loops, and each loop stays dumb_epoll's. The price: the
        // spread is a hash of the addresses, blind to load, so connections hashed to a loop
        // stalled in a BURN wait in its backlog while other loops idle.
        let server = try ServerStartup.start(
            name: "dumb_epoll_workers", serverLabel: "epoll_workers", model: "N epoll event loops on N threads",
            options: options, listenerCount: count, reusePort: true, style: .eventLoop)
        let iterationSeconds = server.metrics.makeEventLoopIterationHistogram()
        let metrics = (0..<count).map { server.metrics.worker($0) }
        // Threads start only now: start() dropped the capabilities, and they are per thread.
        for index in 1..<count {
            try Threads.start {
                do {
                    let loop = try EventLoop(
                        server: server, listener: server.listeners[index], metrics: metrics[index],
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
            server: server, listener: server.listeners[0], metrics: metrics[0],
            iterationSeconds: iterationSeconds, stopDescriptor: server.stopDescriptor)
        try loop.run()
    }
}

DumbEpollWorkers.main()
