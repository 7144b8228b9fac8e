import DequeModule
import DumbProtocol
import DumbSystem
import Glibc

/// A fixed pool of threads that compute BURNs away from the reactor thread. Each result is
/// put in a list and the pool's eventfd is bumped: the reactor watches that descriptor like
/// any socket, and picks the results up on its own thread (``BurnDispatcher``).
///
/// The threads wait on a condition variable for jobs, first come first served. A job can be
/// cancelled (its client went away): taken off the queue if it has not started, or stopped
/// at its next slice of ``slice`` iterations if it has.
final class BurnPool: @unchecked Sendable {
    // @unchecked: the mutable state (`queue`, `running`, `abandoned`, `finished`) is read
    // and written only with `mutex` held, and the pthread objects are allocated once and
    // never move (a pthread mutex or condition must keep its address).

    struct Job: Sendable {
        let ticket: UInt64
        let iterations: UInt64
    }

    struct Finished: Sendable {
        let ticket: UInt64
        /// nil: the job was cancelled while it ran.
        let result: UInt64?
    }

    /// BURN iterations between two checks for cancellation (about a millisecond of CPU in
    /// a release build).
    static let slice: UInt64 = 1 << 20

    let threadCount: Int
    /// Readable when results are waiting in ``takeFinished()``.
    let completions: EventFD

    private var queue = Deque<Job>()
    private var running = Set<UInt64>()
    private var abandoned = Set<UInt64>()
    private var finished: [Finished] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let jobsAvailable = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(threadCount: Int) throws {
        self.threadCount = threadCount
        completions = try EventFD()
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(jobsAvailable, nil)
    }

    deinit {
        pthread_cond_destroy(jobsAvailable)
        pthread_mutex_destroy(mutex)
        jobsAvailable.deallocate()
        mutex.deallocate()
    }

    /// Starts the threads. Call it after `ServerStartup.start`: threads inherit the
    /// capabilities of the thread that starts them, and those are dropped by then.
    func start() throws {
        for _ in 0..<threadCount {
            try Threads.start(stackSize: 256 * 1024) { [self] in work() }
        }
    }

    /// Queues a BURN for the next free thread.
    func submit(_ job: Job) {
        locked { queue.append(job) }
        pthread_cond_signal(jobsAvailable)
    }

    /// Gives a job up. True if it had not started: no result will come for it. False if it
    /// runs (it stops soon and comes back with a nil result) or just finished.
    func cancel(ticket: UInt64) -> Bool {
        locked {
            if let index = queue.firstIndex(where: { $0.ticket == ticket }) {
                queue.remove(at: index)
                return true
            }
            if running.contains(ticket) { abandoned.insert(ticket) }
            return false
        }
    }

    /// The jobs finished since the last call. Drain ``completions`` first, so that a job
    /// finished in between wakes the reactor again instead of being missed.
    func takeFinished() -> [Finished] {
        locked {
            defer { finished.removeAll(keepingCapacity: true) }
            return finished
        }
    }

    private func work() {
        while true {
            let job = nextJob()
            var burn = Burn(iterations: job.iterations)
            var cancelled = false
            while !burn.isFinished && !cancelled {
                burn.run(upTo: Self.slice)  // the CPU work, off the reactor thread
                cancelled = locked { abandoned.contains(job.ticket) }
            }
            locked {
                running.remove(job.ticket)
                abandoned.remove(job.ticket)
                finished.append(Finished(ticket: job.ticket, result: cancelled ? nil : burn.result))
            }
            completions.signal()  // wakes the reactor
        }
    }

    /// The oldest job; blocks the calling thread until there is one.
    private func nextJob() -> Job {
        locked {
            while queue.isEmpty { pthread_cond_wait(jobsAvailable, mutex) }
            let job = queue.removeFirst()
            running.insert(job.ticket)
            return job
        }
    }

    private func locked<Result>(_ body: () -> Result) -> Result {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return body()
    }
}
