import DumbEpollLoop
import DumbPoller
import DumbSystem

/// The Reactor (D. C. Schmidt, "Reactor: an object behavioral pattern for demultiplexing and
/// dispatching handles for synchronous events", 1995): handlers register their handle and
/// what they are interested in; the reactor waits on all handles at once through a
/// ``Poller``, and dispatches each ready one to its handler. Timers are its other source of
/// events, in dumb_epoll's ``TimerHeap``: the nearest one sets the poll's timeout.
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

    /// The timers under way, by number, and what each does when it fires.
    private var timers = TimerHeap<TimerID>()
    private var actions: [TimerID: () -> Void] = [:]
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
        schedule(at: SystemClock.deadline(afterMilliseconds: milliseconds, from: SystemClock.now()), action)
    }

    /// Runs `action` on the reactor thread once ``SystemClock/now()`` reaches `deadline`.
    func schedule(at deadline: UInt64, _ action: @escaping () -> Void) -> TimerID {
        let timer = nextTimer
        nextTimer += 1
        actions[timer] = action
        timers.add(timer, deadline: deadline)
        return timer
    }

    func cancel(_ timer: TimerID) {
        actions[timer] = nil
        timers.cancel(timer)
    }

    private func fireExpiredTimers() {
        let now = SystemClock.now()
        while let timer = timers.popDue(now: now) {
            actions.removeValue(forKey: timer)?()
        }
    }

    // MARK: The event loop

    /// Waits for events and dispatches them, for ever: demultiplex, dispatch, repeat. Returns
    /// only by throwing (a stop signal during the wait throws `StopRequested`).
    ///
    /// - Parameter afterEachTurn: told how long each turn's dispatching took, in nanoseconds.
    func run(afterEachTurn: (UInt64) -> Void) throws -> Never {
        while true {
            try poller.poll(timeoutMilliseconds: timers.timeoutMilliseconds(now: SystemClock.now()), into: &ready)
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
