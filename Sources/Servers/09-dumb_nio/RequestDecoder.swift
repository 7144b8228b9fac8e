import DumbMetrics
import DumbProtocol
import NIOCore

/// The first handler of every connection's pipeline: turns the bytes NIO read into request
/// lines and parses them, one ``ParsedLine`` per complete line, in order.
///
/// The protocol core does the work: `LineFramer` (CRLF, the 4096-byte limit reported as soon
/// as it is certain, bytes after the last `\n` dropped at end of input) and `RequestParser`.
/// NIO's own buffer never holds more than one read: every byte goes to the framer at once.
struct RequestDecoder: ByteToMessageDecoder {
    typealias InboundOut = ParsedLine

    private let metrics: WorkerMetrics
    private var framer = LineFramer()
    private var reportedLineTooLong = false

    init(metrics: WorkerMetrics) {
        self.metrics = metrics
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        take(&buffer)
        passOnCompleteLines(context: context)
        return .needMoreData
    }

    /// End of input (the client shut down its side, `nc -N`): its complete lines are served,
    /// a partial last line is dropped.
    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        take(&buffer)
        framer.finishInput()
        passOnCompleteLines(context: context)
        return .needMoreData
    }

    /// Moves every byte NIO read into the framer.
    private mutating func take(_ buffer: inout ByteBuffer) {
        guard buffer.readableBytes > 0 else { return }
        metrics.bytesReceived(buffer.readableBytes)
        buffer.readWithUnsafeReadableBytes { bytes in
            framer.append(bytes)
            return bytes.count
        }
    }

    private mutating func passOnCompleteLines(context: ChannelHandlerContext) {
        while !reportedLineTooLong, let event = framer.nextLine() {
            switch event {
            case .line(let line):
                let parsed = RequestParser.parse(line)
                if parsed != .empty { context.fireChannelRead(Self.wrapInboundOut(parsed)) }
            case .lineTooLong:
                // The framer drops everything after this; the handler answers it and closes.
                reportedLineTooLong = true
                context.fireChannelRead(Self.wrapInboundOut(.error(.lineTooLong)))
            }
        }
    }
}
