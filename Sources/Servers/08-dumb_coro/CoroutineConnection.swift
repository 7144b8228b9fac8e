import DumbMetrics
import DumbProtocol
import DumbSystem
import Logging

/// One connection as a coroutine, as dumb_coro serves it: read a line, answer it, repeat.
/// Where the connection cannot go on (no bytes yet, the send buffer full, a WAIT), the
/// coroutine suspends: it parks on the ``IOLoop`` or on a timer, and its thread goes on to
/// run other coroutines.
///
/// So a client holds a little memory, not a thread, while it waits. But the threads are
/// shared, cooperatively: a coroutine keeps its thread until it suspends, so a long BURN
/// yields every ``burnSlice`` iterations and a fast client every ``byteBudget`` bytes, or a
/// few busy clients would hold every thread. dumb_iterative's `BlockingConnection` is this
/// same loop, blocking where this one awaits.
enum CoroutineConnection {
    /// Bytes read at once, into a buffer on the thread's stack during the read only: a
    /// parked coroutine holds none.
    static let readBufferSize = 16 * 1024
    /// BURN iterations between yields (about a millisecond of CPU in a release build).
    static let burnSlice: UInt64 = 1 << 20
    /// Bytes read or written between yields.
    static let byteBudget = 256 * 1024

    /// Serves `descriptor` until the peer is done, then closes it. Errors of the connection
    /// (reset, broken pipe) end it and are logged.
    static func serve(_ descriptor: Int32, io: IOLoop, metrics: any ConnectionMetrics, logger: Logger) async {
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
                    case .wouldBlock: try await io.readable(descriptor)  // the coroutine parks, not the thread
                    case .done(0): session.receivedEndOfInput()
                    case .done(let count): moved += count
                    }
                case .write:
                    switch try session.output.withReadableBytes({ try Socket.write(descriptor, $0) }) {
                    case .wouldBlock: try await io.writable(descriptor)
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
    /// thread's stack for this call only, not in the coroutine's frame.
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
