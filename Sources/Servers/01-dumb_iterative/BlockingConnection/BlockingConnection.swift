import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging

/// One connection with blocking I/O, as the iterative and the thread-per-connection servers
/// serve it: read a line, answer it, repeat. Where the connection cannot go on (no bytes
/// yet, the send buffer full, a WAIT), the calling thread sleeps in the kernel until it can.
///
/// So the thread belongs to this client for as long as it stays: dumb_iterative has one
/// thread, and every other client waits; dumb_multithreaded gives each client a thread, and
/// pays for a thread per client. dumb_coro's `CoroutineConnection` is this same loop with
/// `await` where this one blocks.
public enum BlockingConnection {
    /// Bytes read at once, into a buffer on the thread's stack (each thread has its own).
    static let readBufferSize = 8 * 1024

    /// Serves `descriptor` until the peer is done, then closes it. Errors of the connection
    /// (reset, broken pipe) end it and are logged; only a stop signal is thrown.
    public static func serve(_ descriptor: Int32, metrics: any ConnectionMetrics, logger: Logger) throws {
        metrics.connectionAccepted()
        defer {
            Socket.close(descriptor)
            metrics.connectionClosed()
        }
        try? Socket.setNoDelay(descriptor)
        var session = ConnectionSession(observer: metrics)
        do {
            while true {
                switch session.nextStep() {
                case .read:
                    let count = try read(descriptor, into: &session)  // the thread sleeps until bytes come
                    if count == 0 { session.receivedEndOfInput() }
                case .write:
                    let count = try session.output.withReadableBytes { try Socket.writeBlocking(descriptor, $0) }
                    session.wrote(count)  // the thread slept while the send buffer was full
                case .wait(let milliseconds):
                    try SystemClock.sleep(milliseconds: milliseconds)  // the thread sleeps
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

    /// One read, handed to the session.
    private static func read(_ descriptor: Int32, into session: inout ConnectionSession) throws -> Int {
        try withUnsafeTemporaryAllocation(byteCount: readBufferSize, alignment: 1) { buffer in
            let count = try Socket.readBlocking(descriptor, into: buffer)
            if count > 0 {
                session.received(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
            return count
        }
    }
}
