import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging
import NIOCore
import NIOPosix
import Synchronization

/// Serves one connection's requests one after another, in the order they came, on the
/// connection's event loop. Nothing here blocks, and nothing grows with what the client does:
///
/// - requests parsed but not yet served wait in `queue`; while it is not empty, or while the
///   channel is not writable (more than its high water mark of output waits for the kernel),
///   the handler holds back NIO's `read()` — autoRead then stops reading the socket, and a
///   client that pipelines without reading fills only its own socket buffers;
/// - small responses are gathered into one buffer and written once per batch of requests;
/// - STREAM writes a chunk at a time while the channel is writable and goes on when
///   `channelWritabilityChanged` says it drained;
/// - WAIT is a timer on the event loop (`scheduleTask`); a long BURN runs on a thread pool.
final class RequestHandler: ChannelDuplexHandler {
    typealias InboundIn = ParsedLine
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// Bytes of STREAM payload per write.
    static let streamChunkSize = 16 * 1024
    /// Small responses are written once this many bytes are gathered (or the batch ends).
    static let responseBatchSize = 16 * 1024
    /// A BURN up to this many iterations (about 17 µs here, at 1.7 ns an iteration) runs on the
    /// event loop: handing it to the pool and back costs tens of µs. Longer ones go to the pool.
    static let inlineBurnLimit: UInt64 = 10_000

    /// What the connection is busy with; requests behind it wait in `queue`.
    private enum Work {
        case idle
        case waiting(Scheduled<Void>)
        case burning(BurnJob)
        case streaming(StreamPayload)
    }

    private let metrics: WorkerMetrics
    private let burnPool: NIOThreadPool
    private let logger: Logger

    private var queue = CircularBuffer<ParsedLine>(initialCapacity: 4)
    private var work = Work.idle
    /// The request `work` is serving, and when it was taken up.
    private var current: (command: Command, startedAt: UInt64) = (.ping, 0)
    /// Small responses gathered, not yet written; `gathered` requests end in them.
    private var responses = ByteBuffer()
    private var gathered = 0
    /// Requests whose last byte was written to the channel, oldest first; each write's
    /// promise reports the ones that end in it once NIO handed them to the kernel.
    private var answered = CircularBuffer<(command: Command, startedAt: UInt64)>(initialCapacity: 4)
    private var lastWrite: EventLoopFuture<Void>?

    private var inputEnded = false
    private var closeAfterResponses = false
    private var closing = false
    private var serving = false
    private var readHeldBack = false

    init(metrics: WorkerMetrics, burnPool: NIOThreadPool, logger: Logger) {
        self.metrics = metrics
        self.burnPool = burnPool
        self.logger = logger
    }

    // MARK: Inbound events

    func channelActive(context: ChannelHandlerContext) {
        metrics.connectionAccepted()
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        metrics.connectionClosed()
        switch work {
        case .waiting(let timer): timer.cancel()
        case .burning(let job): job.cancel()
        case .idle, .streaming: break
        }
        work = .idle
        queue.removeAll()
        closing = true
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        // (after the close, the decoder may still hand over the lines it had)
        guard !closing, !closeAfterResponses else { return }
        queue.append(unwrapInboundIn(data))
        serve(context: context)
        // written and flushed in channelReadComplete, once per read: a pipelined batch of
        // requests becomes one write
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        writeResponses(context: context)
        context.flush()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .some(.inputClosed) = event as? ChannelEvent {
            // The client shut down its sending side (half-close): the decoder passed on its
            // last complete lines before this event; answer them, then close.
            inputEnded = true
            serveAndFlush(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // The kernel took enough of the output: go on with the STREAM, the queue, the reads.
        if context.channel.isWritable { serveAndFlush(context: context) }
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // A reset or a broken pipe ends this connection, never the server.
        logger.debug("connection \(context.remoteAddress?.description ?? "?") ended: \(error)")
        context.close(promise: nil)
    }

    // MARK: Outbound: reading only while there is room

    func read(context: ChannelHandlerContext) {
        if mayRead(context: context) {
            context.read()
        } else {
            readHeldBack = true
        }
    }

    private func mayRead(context: ChannelHandlerContext) -> Bool {
        // Once closing after `ERR line too long`, input is read and dropped: unread bytes
        // would make the kernel answer the close with a reset, and the client could lose the ERR.
        closeAfterResponses || (queue.isEmpty && context.channel.isWritable)
    }

    private func resumeReadingIfAllowed(context: ChannelHandlerContext) {
        if readHeldBack && mayRead(context: context) {
            readHeldBack = false
            context.read()
        }
    }

    // MARK: Serving

    private func serveAndFlush(context: ChannelHandlerContext) {
        serve(context: context)
        writeResponses(context: context)
        context.flush()
    }

    /// Serves queued requests until one has to wait (WAIT, BURN on the pool, a STREAM whose
    /// output is backed up) or the output is over the high water mark.
    private func serve(context: ChannelHandlerContext) {
        // A write below may flip writability and call back into this handler: one loop at a time.
        guard !serving, !closing else { return }
        serving = true
        defer { serving = false }

        while !closeAfterResponses {
            if case .streaming = work { produceStream(context: context) }
            guard case .idle = work, context.channel.isWritable, let line = queue.popFirst() else { break }
            // As in ConnectionSession, a request's clock starts when it is taken up.
            let startedAt = metrics.now()
            switch line {
            case .empty:
                continue
            case .error(let error):
                respond(error.responseLine, .error, startedAt: startedAt, context: context)
                if error == .lineTooLong {
                    closeAfterResponses = true
                    queue.removeAll()
                }
            case .request(.ping):
                respond("PONG\n", .ping, startedAt: startedAt, context: context)
            case .request(.wait(let milliseconds)):
                current = (.wait, startedAt)
                let timer = context.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(milliseconds))) {
                    self.work = .idle
                    self.respond("DONE\n", .wait, startedAt: startedAt, context: context)
                    self.serveAndFlush(context: context)
                }
                work = .waiting(timer)
            case .request(.burn(let iterations)) where iterations <= Self.inlineBurnLimit:
                respondResult(Burn.result(iterations: iterations), startedAt: startedAt, context: context)
            case .request(.burn(let iterations)):
                current = (.burn, startedAt)
                startBurn(iterations: iterations, context: context)
            case .request(.stream(let byteCount)):
                current = (.stream, startedAt)
                work = .streaming(StreamPayload(byteCount: byteCount))
            }
        }

        if case .idle = work, queue.isEmpty, closeAfterResponses || inputEnded {
            closeAfterWrites(context: context)
        }
        resumeReadingIfAllowed(context: context)
    }

    /// A long BURN runs on the pool, so the event loop goes on serving every other connection
    /// (NIO's rule: never block an event loop). Its result comes back on this event loop.
    private func startBurn(iterations: UInt64, context: ChannelHandlerContext) {
        let job = BurnJob(iterations: iterations)
        work = .burning(job)
        let startedAt = current.startedAt
        burnPool.runIfActive(eventLoop: context.eventLoop) { try job.run() }
            .assumeIsolated()
            .whenComplete { result in
                guard case .burning(let running) = self.work, running === job else { return }  // closed meanwhile
                switch result {
                case .success(let value):
                    self.work = .idle
                    self.respondResult(value, startedAt: startedAt, context: context)
                    self.serveAndFlush(context: context)
                case .failure:
                    context.close(promise: nil)  // the server is stopping
                }
            }
    }

    /// Writes STREAM chunks while the channel is writable; the rest waits for
    /// `channelWritabilityChanged`. NIO holds at most the high water mark plus one chunk.
    private func produceStream(context: ChannelHandlerContext) {
        guard case .streaming(var payload) = work else { return }
        writeResponses(context: context)  // the answers before the STREAM go first
        while context.channel.isWritable {
            let size = Int(min(payload.remaining, UInt64(Self.streamChunkSize)))
            var chunk = context.channel.allocator.buffer(capacity: size)
            chunk.writeWithUnsafeMutableBytes(minimumWritableBytes: size) { free in
                payload.fill(UnsafeMutableRawBufferPointer(rebasing: free[0..<size]))
            }
            if payload.isFinished {
                work = .idle
                answered.append(current)
                write(chunk, completing: 1, context: context)
                return
            }
            write(chunk, completing: 0, context: context)
        }
        work = .streaming(payload)
    }

    // MARK: Writing

    private func respond(_ text: StaticString, _ command: Command, startedAt: UInt64, context: ChannelHandlerContext) {
        responses.writeStaticString(text)
        finishResponse(command, startedAt: startedAt, context: context)
    }

    private func respondResult(_ result: UInt64, startedAt: UInt64, context: ChannelHandlerContext) {
        responses.writeStaticString("RESULT ")
        responses.writeString(String(result))
        responses.writeStaticString("\n")
        finishResponse(.burn, startedAt: startedAt, context: context)
    }

    private func finishResponse(_ command: Command, startedAt: UInt64, context: ChannelHandlerContext) {
        answered.append((command, startedAt))
        gathered += 1
        if responses.readableBytes >= Self.responseBatchSize { writeResponses(context: context) }
    }

    private func writeResponses(context: ChannelHandlerContext) {
        guard responses.readableBytes > 0 else { return }
        let batch = responses
        let count = gathered
        // a new, small buffer: an idle connection keeps no batch-sized one
        responses = ByteBuffer()
        gathered = 0
        write(batch, completing: count, context: context)
    }

    /// Writes `buffer` (flushed by the caller); once NIO has handed it to the kernel, counts
    /// its bytes and the `completing` oldest answered requests as done.
    private func write(_ buffer: ByteBuffer, completing count: Int, context: ChannelHandlerContext) {
        let byteCount = buffer.readableBytes
        let written = context.write(wrapOutboundOut(buffer))
        lastWrite = written
        written.assumeIsolated().whenSuccess {
            self.metrics.bytesSent(byteCount)
            guard count > 0 else { return }
            let finishedAt = self.metrics.now()
            for _ in 0..<count {
                let request = self.answered.removeFirst()
                self.metrics.requestCompleted(request.command, startedAt: request.startedAt, finishedAt: finishedAt)
            }
        }
    }

    /// Closes once everything written so far reached the kernel: NIO's close would drop
    /// writes still pending.
    private func closeAfterWrites(context: ChannelHandlerContext) {
        guard !closing else { return }
        closing = true
        writeResponses(context: context)
        context.flush()
        guard let lastWrite else {
            context.close(promise: nil)
            return
        }
        lastWrite.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }
}
