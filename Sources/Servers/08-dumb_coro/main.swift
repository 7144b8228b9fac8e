// dumb_coro: coroutines, as Swift async/await. Each connection is one task written as
// straight-line code (read a line, answer it, repeat), like the thread-per-connection server;
// where it would block it suspends, and one epoll thread resumes it when its socket is ready.
// Thousands of connections, a handful of threads: the pool's (one per CPU), the I/O thread
// and the metrics endpoint's.
import ArgumentParser
import DumbServerKit
import DumbSystem

struct DumbCoro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_coro",
        abstract: "The DUMB protocol with a coroutine (Swift task) per connection over an epoll I/O thread.",
        discussion: """
            Demonstrates coroutines: each connection's code reads like dumb_multithreaded's, one \
            request after another, but a coroutine that would block suspends instead, and costs \
            a little memory rather than a thread. Swift's cooperative pool (one thread per CPU \
            this process may use) runs the coroutines; the main thread waits in epoll_wait and \
            resumes those whose sockets became ready. WAIT is Task.sleep. A long BURN yields its \
            thread now and then, so other clients are served while it runs.

            Examples:
              taskset -c 0,1 dumb_coro
              echo "BURN 1000000000" | nc -N 127.0.0.1 8090 &
              time echo "PING" | nc -N 127.0.0.1 8090     # answered at once
              grep Threads /proc/$(pidof dumb_coro)/status   # a few, whatever the clients
            """)

    @OptionGroup var options: ServerOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_coro", server: "coro", model: "coroutines (async/await) over an epoll thread",
            options: options, style: .eventLoop)
        let turns = server.metrics.makeEventLoopIterationHistogram()
        let epoll = try Epoll()
        let io = IOLoop(epoll: epoll)

        // The first task, only now: the cooperative pool's threads are created for it, after
        // ServerStartup.start dropped the capabilities they inherit.
        Task.detached { await acceptConnections(server: server, io: io) }
        server.logger.info("coroutines on the cooperative pool, I/O on the main thread's epoll")
        do {
            try io.run(epoll: epoll, stopDescriptor: server.stopDescriptor) { nanoseconds in
                turns.record(.nanoseconds(Int64(nanoseconds)))
            }
            ServerStartup.exit(server, StopSignal.pending!)
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }
}

DumbCoro.main()
