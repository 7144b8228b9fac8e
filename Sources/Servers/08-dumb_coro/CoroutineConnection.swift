import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging

/// One connection as a coroutine: the same straight-line loop as `BlockingConnection` (read
/// a line, answer it, repeat), with `await` where that one blocks. Where a blocking read
/// would put the thread to sleep, this coroutine parks on the ``IOLoop`` and its thread goes
/// on to run other coroutines; a WAIT is a `Task.sleep`, which holds no thread either.
///
/// The threads are shared, cooperatively: a coroutine keeps its thread until it suspends.
/// So a long BURN yields every ``burnSlice`` iterations, and a client that streams or
/// pipelines fast yields every ``byteBudget`` bytes; otherwise a few busy clients would
/// hold every pool thread and starve the rest.
enum CoroutineConnection {
    /// Bytes read at once, into a buffer that exists only during the read: a parked
    /// coroutine holds no buffer.
    static let readBufferSize = 16 * 1024
    /// BURN iterations between yields (about a millisecond of CPU in a release build).
    static let burnSlice: UInt64 = 1 << 20
    /// Bytes read or written between yields.
    static let byteBudget = 256 * 1024

    /// Serves `descriptor` until the peer is done, then closes it. Errors of the connection
    /// (reset, broken pipe) end it and are logged.
    static func serve(_ descriptor: Int32, io: IOLoop, metrics: WorkerMetrics, logger: Logger) async {
        metrics.connectionAccepted()
        defer {
            Socket.close(descriptor)
            metrics.connectionClosed()
        }
        try? Socket.setNoDelay(descriptor)
        var session = ConnectionSession(observer: metrics)
        var moved = 0
        do {
            while true {
                if moved >= byteBudget {
                    moved = 0
                    await Task.yield()
                }
                switch session.nextStep() {
                case .read:
                    switch try read(descriptor, into: &session) {
                    case .wouldBlock: try await io.readable(descriptor)  // parks the coroutine, not the thread
                    case .done(0): session.receivedEndOfInput()
                    case .done(let count): moved += count
                    }
                case .write:
                    switch try session.output.withReadableBytes({ try Socket.write(descriptor, $0) }) {
                    case .wouldBlock:
                        try await io.writable(descriptor)
                    case .done(let count):
                        session.wrote(count)
                        moved += count
                    }
                case .wait(let milliseconds):
                    try await Task.sleep(for: .milliseconds(milliseconds))  // a timer resumes it; no thread sleeps
                    session.waitFinished()
                case .burn(let iterations):
                    var burn = Burn(iterations: iterations)
                    while !burn.isFinished {
                        burn.run(upTo: burnSlice)
                        await Task.yield()  // the other coroutines get this thread for a while
                    }
                    session.burnFinished(result: burn.result!)
                case .close:
                    return
                }
            }
        } catch {
            logger.debug("connection \(descriptor) ended: \(error)")
        }
    }

    /// One read, handed to the session. Synchronous on purpose: its buffer lives on the
    /// thread's stack for the call only, so a parked coroutine holds none. (Called in the
    /// async function itself, withUnsafeTemporaryAllocation corrupted the coroutine's
    /// variables under 400 connections in a debug build, Swift 6.3.1.)
    private static func read(_ descriptor: Int32, into session: inout ConnectionSession) throws -> IOResult<Int> {
        try withUnsafeTemporaryAllocation(byteCount: readBufferSize, alignment: 1) { buffer in
            let result = try Socket.read(descriptor, into: buffer)
            if case .done(let count) = result, count > 0 {
                session.received(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            }
            return result
        }
    }
}
