// dumb_epoll: one thread, one epoll instance, non-blocking sockets. The thread sleeps in
// epoll_wait until sockets are ready, serves each as far as it goes without blocking
// (NonBlockingConnection), and sleeps again: ten thousand idle clients cost ten thousand
// small buffers, not threads. A WAIT is a timer on a heap whose earliest deadline bounds
// epoll_wait's sleep (TimerHeap); a STREAM is produced as the socket drains, through a
// bounded buffer. The loop itself is EventLoop/EventLoop.swift, a library of this folder
// that dumb_epoll_workers runs too.
//
// The lesson it keeps: all work runs on that one thread. While one client BURNs, no byte is
// read or written, no connection accepted, no WAIT finished, not even a PING answered.
// (dumb_epoll_workers runs a loop per CPU; dumb_reactor moves BURN off the loop.)
import ArgumentParser
import DumbEpollLoop
import DumbServerKit

struct DumbEpoll: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_epoll",
        abstract: "The DUMB protocol on one thread: one epoll event loop, non-blocking sockets.",
        discussion: """
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
            name: "dumb_epoll", serverLabel: "epoll", model: "one thread, one epoll event loop",
            options: options, style: .eventLoop)
        let loop = try EventLoop(
            server: server, listener: server.listener, metrics: server.metrics,
            iterationSeconds: server.metrics.makeEventLoopIterationHistogram(), stopDescriptor: server.stopDescriptor)
        try loop.run()
    }
}

DumbEpoll.main()
