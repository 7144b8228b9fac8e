// dumb_nio: the DUMB protocol on SwiftNIO, the production-grade Swift networking library,
// as the reference the hand-written servers are measured against. N event loops (epoll, one
// thread each) share the connections; each connection is a pipeline of two handlers, a
// decoder and a request handler, and back-pressure keeps every buffer bounded.
import ArgumentParser
import Dispatch
import DumbCommandLine
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
            --threads sets the event loops and the BURN pool (BURNs over 10,000 iterations \
            run there).

            Examples:
              dumb_nio                                # 127.0.0.1:8090, metrics on :8091
              taskset -c 0 dumb_nio                   # one event loop
              dumb_nio --threads 4 --port 9000
              echo "PING" | nc -N 127.0.0.1 8090
              grep Threads /proc/$(pidof dumb_nio)/status
            """)

    @OptionGroup var options: ServerOptions

    static let threadCount = CPUCountOption(
        name: "threads", variable: "DUMB_THREADS", counts: "Event loops, one thread each, and as many BURN threads",
        maximum: 256)

    @Option(help: Self.threadCount.help) var threads: Int?

    func validate() throws {
        _ = try Self.threadCount.resolve(threads)
    }

    func run() throws {
        // Binds the socket and drops every capability on this thread, before NIO starts any:
        // threads inherit the capabilities of the thread that creates them.
        let server = try ServerStartup.start(
            name: "dumb_nio", serverLabel: "nio", model: "SwiftNIO event loops", options: options,
            style: .eventLoop)
        let loopCount = try Self.threadCount.resolve(threads)
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
            // (NIO's default, 4 reads of 64 KiB, lets it park several times as much).
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

DumbNIO.main()
