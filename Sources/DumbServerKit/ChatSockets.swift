import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging

/// A chat room's sockets, handled the same way in both chat servers: a client joins, one
/// read per turn goes to the room, the room writes without blocking, and those who left are
/// closed. How a server learns which sockets are ready — select() or epoll, the lesson — is
/// in its main.swift.
public struct ChatSockets {
    public let metrics: ServerMetrics
    public let logger: Logger
    private var scratch = [UInt8](repeating: 0, count: 16 * 1024)

    public init(metrics: ServerMetrics, logger: Logger) {
        self.metrics = metrics
        self.logger = logger
    }

    /// A new client: greeted, and announced to the others.
    public func join(_ descriptor: Int32, _ room: inout ChatRoom) {
        try? Socket.setNoDelay(descriptor)
        metrics.connectionAccepted()
        let id = room.join(descriptor, send: send)
        logger.debug("\(ChatMessages.name(id)) joined on descriptor \(descriptor)")
    }

    /// The room's write: send() takes what fits in the socket's buffer and never blocks.
    public func send(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int? {
        switch try? Socket.write(descriptor, bytes) {
        case .done(let count):
            metrics.bytesSent(count)
            return count
        case .wouldBlock: return 0  // the buffer is full: write again when the socket is writable
        case nil: return nil  // reset, broken pipe
        }
    }

    /// A client's socket is readable: one read per turn, so every client gets its turn.
    public mutating func read(_ descriptor: Int32, into room: inout ChatRoom) {
        switch scratch.withUnsafeMutableBytes({ try? Socket.read(descriptor, into: $0) }) {
        case .done(0)?:
            room.endOfInput(descriptor, send: send)  // it shut down its side: it leaves
        case .done(let count)?:
            metrics.bytesReceived(count)
            scratch.withUnsafeBytes {
                room.received(UnsafeRawBufferPointer(rebasing: $0[..<count]), from: descriptor, send: send)
            }
        case .wouldBlock?:
            break
        case nil:
            room.failed(descriptor, send: send)
        }
    }

    /// Closes the sockets of those who left; `closed` is told each descriptor.
    public func closeDepartures(_ room: inout ChatRoom, closed: (Int32) -> Void = { _ in }) {
        while let gone = room.nextDeparture() {
            Socket.close(gone.descriptor)
            closed(gone.descriptor)
            metrics.connectionClosed()
            logger.debug("\(ChatMessages.name(gone.id)) is gone (\(gone.reason))")
        }
    }
}
