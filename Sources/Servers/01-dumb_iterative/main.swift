// dumb_iterative: one connection at a time, blocking I/O, no threads (but the metrics
// endpoint's), no event loop.
// While it serves one client, every other client waits in the kernel's backlog: a WAIT,
// a slow reader or a slow sender stalls the whole server. That is the lesson.
import ArgumentParser
import DumbServerKit
import DumbSystem

struct DumbIterative: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_iterative",
        abstract: "The DUMB protocol served one connection at a time (blocking I/O, one serving thread).",
        discussion: """
            Demonstrates why a server cannot be iterative: while one client is served, the \
            others wait in the listen backlog. Try a long WAIT in one terminal and a PING in \
            another: the PING is answered only when the WAIT is done.

            Examples:
              dumb_iterative                         # 127.0.0.1:8090, metrics on :8091
              echo "PING" | nc -N 127.0.0.1 8090
              echo "WAIT 5000" | nc -N 127.0.0.1 8090 &  time echo "PING" | nc -N 127.0.0.1 8090
              DUMB_PORT=9000 dumb_iterative --metrics-port 0
            """)

    @OptionGroup var options: ServerOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_iterative", server: "iterative", model: "iterative, one connection at a time",
            options: options)
        do {
            while true {
                // Blocks until a client connects; the next one is not accepted until this one is done.
                let connection = try BlockingConnection.accept(from: server)
                try BlockingConnection.serve(connection, metrics: server.metrics, logger: server.logger)
            }
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }
}

DumbIterative.main()
