// dumb_epoll: one thread, one epoll instance, non-blocking sockets. The thread sleeps in
// epoll_wait until sockets are ready, serves each as far as it goes without blocking, and
// sleeps again: ten thousand idle clients cost ten thousand small buffers, not threads.
// The price: all work runs on that thread, so one long BURN stalls every other client.
// The loop itself is in EventLoop/EventLoop.swift (a library: dumb_epoll_workers runs it too).
import ArgumentParser
import DumbEpollLoop
import DumbServerKit

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
            options: options, style: .eventLoop)
        let loop = try EventLoop(
            server: server, listener: server.listener.descriptor, metrics: server.metrics,
            iterationSeconds: server.metrics.makeEventLoopIterationHistogram(), stopDescriptor: server.stopDescriptor)
        try loop.run()
    }
}

DumbEpoll.main()
