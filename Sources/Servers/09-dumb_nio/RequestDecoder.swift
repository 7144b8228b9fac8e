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

    private var framer = LineFramer()
    private var reportedLineTooLong = false

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        buffer.readWithUnsafeReadableBytes { bytes in
            framer.append(bytes)
            return bytes.count
        }
        passOnCompleteLines(context: context)
        return .needMoreData
    }

    /// End of input (the client shut down its side, `nc -N`): its complete lines are served,
    /// a partial last line is dropped.
    mutating func decodeLast(
        context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool
    ) throws -> DecodingState {
        buffer.readWithUnsafeReadableBytes { bytes in
            framer.append(bytes)
            return bytes.count
        }
        framer.finishInput()
        passOnCompleteLines(context: context)
        return .needMoreData
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
