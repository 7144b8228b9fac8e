// dumb_coro: coroutines, as Swift async/await. Each connection is one task running
// CoroutineConnection, the thread-per-connection server's straight-line loop (read a line,
// answer it, repeat) with `await` where that one blocks: `diff` it with
// ../01-dumb_iterative/BlockingConnection/BlockingConnection.swift. Where it would block, the
// task suspends; the main thread waits in epoll (IOLoop) and resumes it when its socket is
// ready, on Swift's cooperative pool (one thread per CPU). WAIT is Task.sleep.
//
// The lesson: the code of a thread per connection at the cost of an event loop. Thousands of
// connections, a handful of threads; but the threads are shared cooperatively, so a long BURN
// must yield now and then for the others to be served.
import ArgumentParser
import DumbServerKit
import DumbSystem

struct DumbCoro: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_coro",
        abstract: "The DUMB protocol with a coroutine (Swift task) per connection over an epoll I/O thread.",
        discussion: """
            Examples:
              taskset -c 0,1 dumb_coro
              echo "BURN 1000000000" | nc -N 127.0.0.1 8090 &
              time echo "PING" | nc -N 127.0.0.1 8090     # answered at once
              grep Threads /proc/$(pidof dumb_coro)/status   # a few, whatever the clients
            """)

    @OptionGroup var options: ServerOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_coro", serverLabel: "coro", model: "coroutines (async/await) over an epoll thread",
            options: options, style: .eventLoop)
        let turns = server.metrics.makeEventLoopIterationHistogram()
        let epoll = try Epoll()
        let io = IOLoop(epoll: epoll)

        // The first task, only now: the cooperative pool's threads are created for it, after
        // ServerStartup.start dropped the capabilities they inherit.
        Task.detached { await Acceptor.run(server: server, io: io) }
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
