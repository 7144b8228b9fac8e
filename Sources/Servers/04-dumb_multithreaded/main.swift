// dumb_multithreaded: a dedicated thread per connection. The main thread only accepts; each
// connection gets a new thread that serves it with dumb_iterative's BlockingConnection, the
// very same blocking loop, for as long as the client stays.
//
// The lesson: nobody waits for anybody any more (a WAIT, a slow reader or a slow sender
// blocks only its own thread), but every client costs a thread: a stack (8 MiB reserved,
// the pages it touches charged), a kernel task to schedule, context switches. Run thousands
// of clients and watch threads, memory and %sys climb; under a memory limit, thread
// creation fails and connections are refused, or the kernel's OOM killer ends the process.
import ArgumentParser
import DumbBlockingConnection
import DumbCommandLine
import DumbServerKit
import DumbSystem

struct DumbMultithreaded: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_multithreaded",
        abstract: "The DUMB protocol with one thread per connection (blocking I/O).",
        discussion: """
            Under a memory limit, threads that cannot start are refused connections (logged, \
            and counted in dumb_connections_rejected_total); --stack-size shows what a stack costs.

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
            name: "dumb_multithreaded", serverLabel: "multithreaded", model: "thread per connection",
            options: options)
        server.logger.info(
            "each connection gets a thread with a \(ByteSize.describe(stackBytes ?? Threads.defaultStackSize)) stack")
        do {
            while true {
                let connection = try server.nextConnection()
                do {
                    // The lesson: one thread per client, for as long as the client stays.
                    try Threads.start(stackSize: stackBytes) {
                        try? BlockingConnection.serve(connection, metrics: server.metrics, logger: server.logger)
                    }
                } catch {
                    server.refuse(connection, because: error)  // out of memory, or over the thread limit
                }
            }
        } catch let stop as StopRequested {
            ServerStartup.exit(server, stop)
        }
    }
}

DumbMultithreaded.main()
