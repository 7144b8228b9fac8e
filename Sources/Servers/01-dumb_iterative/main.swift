// dumb_iterative: one connection at a time. The main thread accepts a connection, serves it
// with blocking I/O until the client leaves (BlockingConnection, in this folder), and only
// then accepts the next one. No threads but the metrics endpoint's, no event loop.
//
// The lesson: while it serves one client, every other client waits in the kernel's listen
// backlog. A WAIT sleeps the only thread; a slow reader keeps it blocked in a write until
// the client drains its socket; a slow sender keeps it blocked in a read until the line is
// complete. Any of the three stalls the whole server.
import ArgumentParser
import DumbBlockingConnection
import DumbServerKit
import DumbSystem

struct DumbIterative: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_iterative",
        abstract: "The DUMB protocol served one connection at a time (blocking I/O, one serving thread).",
        discussion: """
            Examples:
              dumb_iterative                         # 127.0.0.1:8090, metrics on :8091
              echo "PING" | nc -N 127.0.0.1 8090
              echo "WAIT 5000" | nc -N 127.0.0.1 8090 &  time echo "PING" | nc -N 127.0.0.1 8090
              DUMB_PORT=9000 dumb_iterative --metrics-port 0
            """)

    @OptionGroup var options: ServerOptions

    func run() throws {
        let server = try ServerStartup.start(
            name: "dumb_iterative", serverLabel: "iterative", model: "iterative, one connection at a time",
            options: options)
        do {
            while true {
                // Blocks until a client connects; the next one is not accepted until this one is done.
                let connection = try server.nextConnection()
                try BlockingConnection.serve(connection, metrics: server.metrics, logger: server.logger)
            }
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }
}

DumbIterative.main()
