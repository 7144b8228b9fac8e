// dumb_multithreaded: a dedicated thread per connection, each with blocking I/O.
// Nobody waits for anybody any more, but every client costs a thread: a stack, a kernel
// task, context switches. Run thousands of clients and watch threads, memory and %sys climb.
import ArgumentParser
import DumbServerKit
import DumbSystem

struct DumbMultithreaded: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_multithreaded",
        abstract: "The DUMB protocol with one thread per connection (blocking I/O).",
        discussion: """
            Demonstrates thread-per-connection: a WAIT, a slow reader or a slow sender no \
            longer blocks the others, but the thread count follows the connection count, and \
            with it memory, context switches and system CPU time. --stack-size shows what a \
            thread's stack costs; under a memory limit, thread creation fails and connections \
            are refused (logged, and counted in dumb_connections_rejected_total).

            Examples:
              taskset -c 0 dumb_multithreaded
              dumb_multithreaded --stack-size 64k     # smaller stacks, more threads per GiB
              grep Threads /proc/$(pidof dumb_multithreaded)/status
            """)

    @OptionGroup var options: ServerOptions

    @Option(
        name: .customLong("stack-size"),
        help: ArgumentHelp(
            "Stack of each connection's thread: bytes, or 64k, 8m (default: the system's, usually 8m). (env: DUMB_STACK_SIZE)",
            valueName: "size"))
    var stackSize: String?

    /// The option, or DUMB_STACK_SIZE when the option is not given.
    var requestedStackSize: String? { stackSize ?? EnvironmentDefault.string("DUMB_STACK_SIZE") }

    func validate() throws {
        try EnvironmentDefault.checkSizes(["DUMB_STACK_SIZE"])
        if let stackSize = requestedStackSize {
            guard let bytes = ByteSize.parse(stackSize), bytes >= Threads.minimumStackSize else {
                throw ValidationError(
                    "--stack-size \(stackSize) is not a size of at least 16k: write bytes or 64k, 8m, 1g.")
            }
        }
    }

    func run() throws {
        let stackBytes = requestedStackSize.flatMap(ByteSize.parse)
        let server = try ServerStartup.start(
            name: "dumb_multithreaded", server: "multithreaded", model: "thread per connection",
            options: options)
        server.logger.info(
            "each connection gets a thread with a \(ByteSize.describe(stackBytes ?? Threads.defaultStackSize)) stack")
        do {
            while true {
                let connection = try BlockingConnection.accept(from: server)
                do {
                    // The lesson: one thread per client, for as long as the client stays.
                    try Threads.start(stackSize: stackBytes) {
                        try? BlockingConnection.serve(connection, metrics: server.metrics, logger: server.logger)
                    }
                } catch {
                    // Out of memory or over the thread limit: this client cannot be served.
                    Socket.close(connection)
                    server.refusals.refused(error)
                }
            }
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }
}

DumbMultithreaded.main()
