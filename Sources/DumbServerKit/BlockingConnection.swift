import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging

/// One connection served with blocking I/O, as the iterative and the thread-per-connection
/// servers do: read a line, answer it, repeat. A WAIT sleeps and a slow peer blocks the
/// calling thread: that is what those two servers demonstrate.
public enum BlockingConnection {
    /// Bytes read at once. Small on purpose: thread-per-connection holds one per thread.
    public static let readBufferSize = 8 * 1024

    /// The next connection on `server`'s blocking listener: waits until a client connects.
    /// Out of descriptors, the connections it must refuse are closed at once and counted
    /// (``AcceptRefusals``), and with no descriptor even for that it tries again every
    /// ``Socket/exhaustedRetryMilliseconds`` rather than at once (a spin). Throws accept's
    /// other errors, and a stop signal.
    public static func accept(from server: RunningServer) throws -> Int32 {
        while true {
            switch try Socket.accept(server.listener.descriptor) {
            case .connection(let connection):
                return connection
            case .rejected(let error):
                server.refusals.refused(error)
            case .exhausted(let error):
                server.refusals.backingOff(error)
                try SystemClock.sleep(milliseconds: Socket.exhaustedRetryMilliseconds)
            case .wouldBlock:
                continue  // a blocking listener waits for a connection instead
            }
        }
    }

    /// Serves `descriptor` until the peer is done, then closes it. Errors of the connection
    /// (reset, broken pipe) end it and are logged; only a stop signal is thrown.
    public static func serve(_ descriptor: Int32, metrics: ServerMetrics, logger: Logger) throws(StopRequested) {
        metrics.connectionAccepted()
        defer {
            Socket.close(descriptor)
            metrics.connectionClosed()
        }
        try? Socket.setNoDelay(descriptor)
        var session = ConnectionSession(observer: metrics)
        var buffer = [UInt8](repeating: 0, count: readBufferSize)
        do {
            while true {
                switch session.nextStep() {
                case .read:
                    let result = try buffer.withUnsafeMutableBytes { try Socket.read(descriptor, into: $0) }
                    guard case .done(let count) = result else { continue }
                    if count == 0 {
                        session.receivedEndOfInput()
                    } else {
                        buffer.withUnsafeBytes { session.received(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    }
                case .write:
                    let result = try session.output.withReadableBytes { try Socket.write(descriptor, $0) }
                    if case .done(let count) = result { session.wrote(count) }
                case .wait(let milliseconds):
                    try SystemClock.sleep(milliseconds: milliseconds)
                    session.waitFinished()
                case .burn(let iterations):
                    session.burnFinished(result: Burn.result(iterations: iterations))
                case .close:
                    return
                }
            }
        } catch let stop as StopRequested {
            throw stop
        } catch {
            logger.debug("connection \(descriptor) ended: \(error)")
        }
    }
}
