// dumb_nio: the DUMB protocol on SwiftNIO, the production-grade Swift networking library,
// as the reference the hand-written servers are measured against. N event loops (epoll, one
// thread each) share the connections; each connection is a pipeline of two handlers, a
// decoder and a request handler, and back-pressure keeps every buffer bounded.
import ArgumentParser
import Dispatch
import DumbMetrics
import DumbServerKit
import DumbSystem
import Glibc
import Logging
import NIOCore
import NIOPosix

struct DumbNIO: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dumb_nio",
        abstract: "The DUMB protocol on SwiftNIO: event loops, channel pipelines, back-pressure.",
        discussion: """
            The reference for the hand-written servers: what a production library does with \
            the same protocol. A MultiThreadedEventLoopGroup runs one event loop per CPU the \
            process may run on (--threads overrides); each connection lives on one loop, where \
            a ByteToMessageDecoder frames its lines and a handler serves them in order. WAIT is \
            a timer on the loop, a long BURN runs on a thread pool of as many threads, STREAM \
            is written as the socket drains, and a client that does not read stops being read.

            Examples:
              dumb_nio                                # 127.0.0.1:8090, metrics on :8091
              taskset -c 0 dumb_nio                   # one event loop
              dumb_nio --threads 4 --port 9000
              echo "PING" | nc -N 127.0.0.1 8090
              grep Threads /proc/$(pidof dumb_nio)/status
            """)

    @OptionGroup var options: ServerOptions

    @Option(
        help: ArgumentHelp(
            "Event loops, one thread each, and as many BURN threads (default: the CPUs the process may run on). (env: DUMB_THREADS)",
            valueName: "count"))
    var threads: Int?

    /// The option, or DUMB_THREADS when the option is not given.
    var requestedThreads: Int? { threads ?? EnvironmentDefault.integer("DUMB_THREADS") }

    func validate() throws {
        try EnvironmentDefault.checkIntegers(["DUMB_THREADS"])
        if let threads = requestedThreads, !(1...256).contains(threads) {
            throw ValidationError(
                "--threads \(threads) is out of range: give 1 to 256 (default: the CPUs this process may run on).")
        }
    }

    func run() throws {
        // Binds the socket and drops every capability on this thread, before NIO starts any:
        // threads inherit the capabilities of the thread that creates them.
        let server = try ServerStartup.start(
            name: "dumb_nio", server: "nio", model: "SwiftNIO event loops", options: options,
            style: .eventLoop)
        let loopCount = requestedThreads ?? CPUAffinity.allowedCPUCount()
        let group = MultiThreadedEventLoopGroup(numberOfThreads: loopCount)
        let burnPool = NIOThreadPool(numberOfThreads: loopCount)
        burnPool.start()
        let loopMetrics = EventLoopMetrics(group: group, metrics: server.metrics)
        let (logger, refusals) = (server.logger, server.refusals)

        let bootstrap = ServerBootstrap(group: group)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Out of descriptors, accept() fails while the connection stays in the
                    // backlog: retry a little later instead of spinning on it.
                    try channel.pipeline.syncOperations.addHandler(AcceptBackoff(refusals: refusals, logger: logger))
                }
            }
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let metrics = loopMetrics.worker(for: channel.eventLoop)
                    try channel.pipeline.syncOperations.addHandler(
                        ByteToMessageHandler(RequestDecoder(metrics: metrics)))
                    try channel.pipeline.syncOperations.addHandler(
                        RequestHandler(metrics: metrics, burnPool: burnPool, logger: logger))
                }
            }
            // the client's shutdown(SHUT_WR) is an event, not the end: its requests are answered
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            // above 64 KiB of output waiting for the kernel the channel is not writable, and
            // the handler stops producing and reading until it drops under 32 KiB (NIO's defaults)
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 64 * 1024))
            .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
            // One read of at most 16 KiB per readiness event: the decoder parses all of a read at
            // once, so this bounds what a client that pipelines without reading can park here
            // (measured: ~110 KiB per such client with this, ~500 KiB with NIO's 4 x 64 KiB).
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(
                .recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 2048, maximum: 16 * 1024))

        let channel = try bootstrap.withBoundSocket(server.listener.descriptor).wait()
        // NIO calls listen() again on a socket it is given, with its default backlog (128);
        // listen() on a listening socket only changes the backlog: give it ours back.
        Glibc.listen(server.listener.descriptor, Int32(clamping: options.backlog))
        logger.info("\(loopCount) event loops, \(loopCount) BURN threads")
        // NIO's shutdown uses libdispatch, which opens its own descriptors (an epoll instance,
        // an eventfd) the first time, and stops the process if it cannot: open them now.
        let warmedUp = DispatchSemaphore(value: 0)
        DispatchQueue.global().async { warmedUp.signal() }
        warmedUp.wait()

        let stop = Self.waitForStopSignal(server.stopDescriptor)
        logger.notice("received signal \(stop.signal): closing the listener and every connection")
        // The listener first: no new connections, and a descriptor free for the shutdown (out
        // of them, libdispatch, which NIO's shutdown uses, stops the process). Then the pool:
        // BURNs see the stop and end; then every connection.
        try? channel.close().wait()
        try? burnPool.syncShutdownGracefully()
        try? group.syncShutdownGracefully()
    }

    /// Blocks the main thread until SIGINT or SIGTERM (the handler makes the eventfd readable).
    static func waitForStopSignal(_ stopDescriptor: Int32) -> StopRequested {
        var watched = pollfd(fd: stopDescriptor, events: Int16(POLLIN), revents: 0)
        while true {
            if let stop = StopSignal.pending { return stop }
            _ = poll(&watched, 1, -1)
        }
    }
}

/// Each event loop's share of the metrics (`dumb_worker_*{worker="0"}`, …).
struct EventLoopMetrics: Sendable {
    private let loops: [any EventLoop]
    private let workers: [WorkerMetrics]

    init(group: MultiThreadedEventLoopGroup, metrics: ServerMetrics) {
        loops = Array(group.makeIterator())
        workers = loops.indices.map { metrics.worker($0) }
    }

    func worker(for loop: any EventLoop) -> WorkerMetrics {
        workers[loops.firstIndex { $0 === loop } ?? 0]
    }
}

/// Stops accepting for a while when accept fails for want of descriptors or memory: the
/// connection stays in the backlog, and the listener readable. SwiftNIO's
/// AcceptBackoffHandler is meant for this, by delaying the server channel's next read(); but
/// with autoRead on (ServerBootstrap's default), NIO 2.101 issues no read() after a failed
/// accept, so the channel stays registered and its loop spins on the listener (measured: 0.6 s
/// of CPU a second, 19,000 log lines a second). This handler turns autoRead off, which takes
/// the listener out of epoll, and on again after the back-off. Unlike the hand-written
/// servers, NIO keeps no reserve descriptor: the connections wait in the backlog meanwhile,
/// none is refused. Other accept errors are logged; connections are not affected.
final class AcceptBackoff: ChannelInboundHandler {
    typealias InboundIn = Channel
    typealias InboundOut = Channel
    private let refusals: AcceptRefusals
    private let logger: Logger
    private var backingOff = false

    init(refusals: AcceptRefusals, logger: Logger) {
        self.refusals = refusals
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        guard let code = (error as? IOError)?.errnoCode, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(code) else {
            logger.warning("accepting a connection failed: \(error)")
            return
        }
        refusals.backingOff(error)
        guard !backingOff, let options = context.channel.syncOptions else { return }
        backingOff = true
        try? options.setOption(.autoRead, value: false)
        let retry = TimeAmount.milliseconds(Int64(Socket.exhaustedRetryMilliseconds))
        context.eventLoop.assumeIsolated().scheduleTask(in: retry) { [self] in
            backingOff = false
            try? options.setOption(.autoRead, value: true)
        }
    }
}

DumbNIO.main()
