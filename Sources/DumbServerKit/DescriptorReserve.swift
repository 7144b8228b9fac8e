import DumbSystem
import Glibc
import Synchronization

/// One descriptor kept open on /dev/null, so that a process out of descriptors (EMFILE,
/// ENFILE) can still refuse a connection cleanly: close the spare, accept with the number it
/// freed, close the connection, reopen the spare (the trick libuv and many servers use).
/// Without it the connection would wait in the listen backlog, and the listener would stay
/// readable: a level-triggered loop spins on it, an edge-triggered one forgets it.
///
/// One per process, shared by every thread. Its weak spot is the moment between closing the
/// spare and accepting: a thread that opens a descriptor then (another event loop accepting
/// on its own listener, the metrics endpoint) takes the number, and the spare cannot be
/// reopened. Two things repair that:
/// - after every connection it accepts, ``RunningServer/accept(from:)`` checks whether the
///   reserve is missing (one atomic load); if no descriptor is left to reopen it, that
///   connection is refused instead: the reserve comes first, so the next shedding works;
/// - what could not be shed makes the server back off (``Accepted/backOff(until:)``) and try
///   again shortly: not at once (it would spin), and not only on the next new connection
///   (it may never come).
///
/// What remains: while every descriptor stays taken by something other than a connection
/// accepted here (files, pipes, or a soft limit lowered under the descriptors already open),
/// nothing can be shed: the connections wait in the backlog, retried every back-off, until a
/// descriptor comes free. A reserve per thread would not close the window (any thread can take
/// any freed number) and would cost a descriptor per thread.
enum DescriptorReserve {
    enum Shedding {
        /// A connection was taken off the backlog and closed.
        case shed
        /// The backlog is empty: nothing to shed (the spare was not touched).
        case nothingWaiting
        /// Connections wait, but the spare is gone and no descriptor is free to reopen it.
        case noSpare
    }

    /// The spare, -1 while closed or lost. Its lock also puts the sheddings of all threads in
    /// a row.
    private static let reserve = Locked<Int32>(openSpare())
    /// True from just before the spare is closed until it is open again. Read without the lock
    /// after each accepted connection, which may have taken the spare's number.
    private static let missing = Atomic<Bool>(false)

    /// Opens the spare now, while descriptors are plenty.
    static func prepare() {
        reserve.withLock { _ in }
    }

    /// Takes one connection off `listener`'s backlog with the spare and closes it. A few
    /// attempts, yielding the CPU in between: a thread that took the spare's number gives it
    /// back as soon as it sees the reserve missing (``keep(_:)``), and under a flood on several
    /// loops one attempt often finds the number taken.
    static func shed(_ listener: Int32) -> Shedding {
        for _ in 0..<3 {
            let outcome = reserve.withLock { spare -> Shedding? in
                // nothing waiting: nothing to shed, and the spare is not put at risk (on a
                // blocking listener, this is also what keeps the accept below from blocking)
                guard Socket.isReadable(listener) else { return .nothingWaiting }
                if spare < 0 { spare = openSpare() }  // a descriptor may have come free since
                guard spare >= 0 else { return .noSpare }
                missing.store(true, ordering: .sequentiallyConsistent)  // before the number is free
                Glibc.close(spare)
                let accepted = try? Socket.accept(listener)
                if case .connection(let connection)? = accepted { Socket.close(connection) }
                spare = openSpare()
                if spare >= 0 { missing.store(false, ordering: .sequentiallyConsistent) }
                switch accepted {
                case .connection?: return .shed
                case .wouldBlock?: return .nothingWaiting  // another thread took it first
                case nil: return nil  // EMFILE: another thread took the number
                }
            }
            if let outcome { return outcome }
            sched_yield()
        }
        return .noSpare
    }

    /// Called with each connection accepted. False when it was closed to make way for the
    /// reserve: it may have taken the number another thread's shedding freed, and no other
    /// descriptor is left to reopen the spare with.
    static func keep(_ connection: Int32) -> Bool {
        guard missing.load(ordering: .sequentiallyConsistent) else { return true }
        return reserve.withLock { spare in
            if spare < 0 { spare = openSpare() }
            var kept = true
            if spare < 0 {
                Glibc.close(connection)
                kept = false
                spare = openSpare()
            }
            if spare >= 0 { missing.store(false, ordering: .sequentiallyConsistent) }
            return kept
        }
    }

    private static func openSpare() -> Int32 {
        open("/dev/null", O_RDONLY | O_CLOEXEC)
    }
}
