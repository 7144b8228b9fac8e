import DumbMetrics
import DumbProtocol
import DumbSystem

/// One connection on a non-blocking socket, for the event-driven servers: its
/// ``ConnectionSession`` and the reads and writes that feed it. ``drive(budget:)`` does all
/// it can without blocking and says what it is waiting for; *when* it is driven, and where
/// WAIT timers and BURN run, is the server's loop — the lesson.
public final class NonBlockingConnection {
    /// What the connection waits for after ``drive(budget:)``.
    public enum Outcome: Equatable, Sendable {
        /// The socket had nothing to read: drive again when it is readable.
        case needsInput
        /// The socket's send buffer is full: drive again when it is writable.
        case needsOutput
        /// A `WAIT <ms>` began: call `session.waitFinished()` that much later, then drive.
        case wait(milliseconds: UInt64)
        /// A `BURN <it>` began: compute it, call `session.burnFinished(result:)`, then drive.
        case burn(iterations: UInt64)
        /// It used its budget with more to do: drive it again soon, after the others had a turn.
        case yielded
        /// Done (the peer left, sent a line too long, or the socket failed): close it.
        case close
    }

    public let descriptor: Int32
    public var session: ConnectionSession

    /// A good size for the loop's `scratch` read buffer (one per event loop, not per connection).
    public static let readChunk = 64 * 1024

    public init(descriptor: Int32, observer: (any SessionObserver)?) {
        self.descriptor = descriptor
        self.session = ConnectionSession(observer: observer)
    }

    /// Reads, serves and writes until the socket would block, the session awaits a WAIT or a
    /// BURN, or `budget` bytes went through (so one fast client cannot starve the others).
    public func drive(budget: Int = 256 * 1024, scratch: inout [UInt8]) -> Outcome {
        var moved = 0
        do {
            while true {
                switch session.nextStep() {
                case .read:
                    if moved >= budget { return .yielded }
                    let result = try scratch.withUnsafeMutableBytes { try Socket.read(descriptor, into: $0) }
                    switch result {
                    case .wouldBlock:
                        return .needsInput
                    case .done(0):
                        session.receivedEndOfInput()
                    case .done(let count):
                        moved += count
                        scratch.withUnsafeBytes { session.received(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
                    }
                case .write:
                    if moved >= budget { return .yielded }
                    let result = try session.output.withReadableBytes { try Socket.write(descriptor, $0) }
                    switch result {
                    case .wouldBlock:
                        return .needsOutput
                    case .done(let count):
                        moved += count
                        session.wrote(count)
                    }
                case .wait(let milliseconds):
                    return .wait(milliseconds: milliseconds)
                case .burn(let iterations):
                    return .burn(iterations: iterations)
                case .close:
                    return .close
                }
            }
        } catch {
            return .close  // reset, broken pipe: the connection is over, the server is not
        }
    }
}
