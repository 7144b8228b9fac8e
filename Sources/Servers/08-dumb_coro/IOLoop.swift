import CDumbSystem
import DumbSystem
import Glibc

/// The I/O thread's side of the coroutines: a coroutine whose socket would block parks here
/// (``readable(_:)``, ``writable(_:)``), and the thread that runs ``run(epoll:stopDescriptor:afterEachTurn:)``
/// resumes it when epoll says the socket is ready. The loop knows nothing of the protocol:
/// it turns readiness into resumed coroutines, which go back to the cooperative pool.
///
/// Each wait arms its socket with EPOLLONESHOT: epoll reports it once and then ignores it
/// until the coroutine, resumed and blocked again, arms it anew. So a socket has at most one
/// waiter, no event arrives for a coroutine that is running, and nothing needs removing when
/// a coroutine closes its socket.
final class IOLoop: Sendable {
    private typealias Waiter = CheckedContinuation<Void, any Error>

    private let epollDescriptor: Int32
    /// The parked coroutines, by socket.
    private let waiters = Locked<[Int32: Waiter]>([:])
    private static let stopToken = UInt64.max

    /// - Parameter epoll: the instance ``run(epoll:stopDescriptor:afterEachTurn:)`` will wait on.
    init(epoll: Epoll) {
        epollDescriptor = epoll.descriptor
    }

    /// Suspends the calling coroutine (not its thread) until `descriptor` is readable.
    func readable(_ descriptor: Int32) async throws {
        try await park(descriptor, until: EPOLLIN.rawValue)
    }

    /// Suspends the calling coroutine (not its thread) until `descriptor` is writable.
    func writable(_ descriptor: Int32) async throws {
        try await park(descriptor, until: EPOLLOUT.rawValue)
    }

    private func park(_ descriptor: Int32, until events: UInt32) async throws {
        try await withCheckedThrowingContinuation { (waiter: Waiter) in
            // parked before armed: the I/O thread may see the event before this returns
            waiters.withLock { $0[descriptor] = waiter }
            var event = epoll_event()
            event.events = events | EPOLLONESHOT.rawValue
            event.data.u64 = UInt64(descriptor)
            var status = epoll_ctl(epollDescriptor, EPOLL_CTL_MOD, descriptor, &event)
            if status != 0 && errno == ENOENT {  // the socket's first wait
                status = epoll_ctl(epollDescriptor, EPOLL_CTL_ADD, descriptor, &event)
            }
            if status != 0 {
                let error = SystemError("epoll_ctl", errno: errno)
                waiters.withLock { $0.removeValue(forKey: descriptor) }?.resume(throwing: error)
            }
        }
    }

    /// The I/O thread's loop: waits for readiness and resumes the coroutines parked on it,
    /// for ever. Returns when the stop signal's eventfd fires; throws `StopRequested` if
    /// the signal interrupts the wait itself.
    func run(epoll: Epoll, stopDescriptor: Int32, afterEachTurn: (UInt64) -> Void) throws {
        try epoll.add(stopDescriptor, .input, token: Self.stopToken)
        while true {
            let ready = try epoll.wait(timeoutMilliseconds: -1)
            let turnStarted = SystemClock.now()
            for (token, _) in ready {
                if token == Self.stopToken { return }
                let descriptor = Int32(truncatingIfNeeded: token)
                // resumed outside the lock: the coroutine continues on a pool thread
                waiters.withLock { $0.removeValue(forKey: descriptor) }?.resume()
            }
            afterEachTurn(SystemClock.now() - turnStarted)
        }
    }
}
