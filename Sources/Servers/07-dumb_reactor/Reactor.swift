import DumbPoller
import DumbSystem
import HeapModule

/// An event handler, as the Reactor pattern names it: it owns one handle (a descriptor) and
/// reacts when the reactor says the handle is ready. It never waits: it does what it can
/// and tells the reactor, through ``Reactor/setInterest(_:_:)``, what to wait for next.
protocol EventHandler: AnyObject {
    /// The handle this handler owns.
    var descriptor: Int32 { get }
    /// The handle is readable: data, a connection to accept, end of input, or an error.
    func handleRead()
    /// The handle is writable: room in the send buffer, or an error.
    func handleWrite()
    /// The handle failed (the peer reset the connection) while the handler waited for
    /// neither reading nor writing, e.g. for a timer. A handler that ever sets an empty
    /// interest must deregister here, or the failure comes back on every turn.
    func handleFailure()
}

extension EventHandler {
    func handleWrite() {}
    func handleFailure() {}
}

/// The Reactor (D. C. Schmidt, "Reactor: an object behavioral pattern for demultiplexing and
/// dispatching handles for synchronous events", 1995): handlers register their handle and
/// what they are interested in; the reactor waits on all handles at once through a
/// ``Poller``, and dispatches each ready one to its handler. Timers are its other source of
/// events: the nearest one sets the poll's timeout.
///
/// Everything here runs on one thread, the one that calls ``run(afterEachTurn:)``: handlers
/// need no locks, and a handler that blocks or computes for long stalls all of them.
final class Reactor {
    /// Names a registration. Tokens are never reused, so an event that arrives for a handler
    /// deregistered earlier in the same turn finds nothing, even if its descriptor number
    /// went to a new connection meanwhile.
    typealias Token = UInt64
    typealias TimerID = UInt64

    let poller: any Poller
    /// One read buffer for every connection, lent to the handler being dispatched.
    var scratch: [UInt8]

    private struct Registration {
        let handler: any EventHandler
        var interest: Interest
    }
    private var registrations: [Token: Registration] = [:]
    private var nextToken: Token = 1
    private var ready: [PollerEvent] = []

    private struct Deadline: Comparable {
        let nanoseconds: UInt64
        let timer: TimerID  // the earlier timer first on a tie
        static func < (a: Deadline, b: Deadline) -> Bool { (a.nanoseconds, a.timer) < (b.nanoseconds, b.timer) }
    }
    private var deadlines = Heap<Deadline>()
    /// The timers still to fire; a cancelled timer leaves its deadline in the heap until it
    /// comes up or the heap is rebuilt, which is cheaper than searching the heap.
    private var timers: [TimerID: () -> Void] = [:]
    private var nextTimer: TimerID = 1

    init(poller: any Poller, scratchSize: Int) {
        self.poller = poller
        self.scratch = [UInt8](repeating: 0, count: scratchSize)
    }

    // MARK: Registration

    /// Registers `handler` for `interest` (may be empty: only failures are reported).
    func register(_ handler: any EventHandler, interest: Interest) throws -> Token {
        let token = nextToken
        nextToken += 1
        try poller.add(handler.descriptor, interest: interest, token: token)
        registrations[token] = Registration(handler: handler, interest: interest)
        return token
    }

    /// Changes what a registered handler waits for. Empty: nothing for now (a WAIT or a BURN
    /// under way), but a failure is still reported, to ``EventHandler/handleFailure()``.
    func setInterest(_ token: Token, _ interest: Interest) throws {
        guard var registration = registrations[token], registration.interest != interest else { return }
        try poller.modify(registration.handler.descriptor, interest: interest, token: token)
        registration.interest = interest
        registrations[token] = registration
    }

    /// Forgets a handler; call it before closing its handle.
    func deregister(_ token: Token) {
        guard let registration = registrations.removeValue(forKey: token) else { return }
        poller.remove(registration.handler.descriptor)
    }

    // MARK: Timers

    /// Runs `action` on the reactor thread `milliseconds` from now.
    func schedule(afterMilliseconds milliseconds: UInt64, _ action: @escaping () -> Void) -> TimerID {
        let timer = nextTimer
        nextTimer += 1
        timers[timer] = action
        deadlines.insert(Deadline(nanoseconds: SystemClock.now() + milliseconds * 1_000_000, timer: timer))
        return timer
    }

    func cancel(_ timer: TimerID) {
        timers[timer] = nil
        // cancelled deadlines may make up at most half the heap: a client that starts and
        // abandons WAIT 600000 in a loop cannot grow it without bound
        if deadlines.count > 64 && deadlines.count > 2 * timers.count {
            deadlines = Heap(deadlines.unordered.filter { timers[$0.timer] != nil })
        }
    }

    /// How long the poll may wait: until the nearest timer (rounded up, so the loop does not
    /// wake a little early and spin), or forever.
    private func pollTimeout() -> Int32 {
        guard let nearest = deadlines.min else { return -1 }
        let now = SystemClock.now()
        guard nearest.nanoseconds > now else { return 0 }
        return Int32(clamping: (nearest.nanoseconds - now + 999_999) / 1_000_000)
    }

    private func fireExpiredTimers() {
        let now = SystemClock.now()
        while let nearest = deadlines.min, nearest.nanoseconds <= now {
            deadlines.removeMin()
            timers.removeValue(forKey: nearest.timer)?()
        }
    }

    // MARK: The event loop

    /// Waits for events and dispatches them, for ever: demultiplex, dispatch, repeat. Returns
    /// only by throwing (a stop signal during the wait throws `StopRequested`).
    ///
    /// - Parameter afterEachTurn: told how long each turn's dispatching took, in nanoseconds.
    func run(afterEachTurn: (UInt64) -> Void) throws -> Never {
        while true {
            try poller.poll(timeoutMilliseconds: pollTimeout(), into: &ready)
            let turnStarted = SystemClock.now()
            for event in ready {
                // the registration is looked up again before each call: the handler may have
                // deregistered itself, or changed its interest, in the call before
                if event.readable, let registration = registrations[event.token], registration.interest.contains(.read)
                {
                    registration.handler.handleRead()
                }
                if event.writable, let registration = registrations[event.token],
                    registration.interest.contains(.write)
                {
                    registration.handler.handleWrite()
                }
                if event.failed, let registration = registrations[event.token], registration.interest.isEmpty {
                    registration.handler.handleFailure()
                }
            }
            fireExpiredTimers()
            afterEachTurn(SystemClock.now() - turnStarted)
        }
    }
}
