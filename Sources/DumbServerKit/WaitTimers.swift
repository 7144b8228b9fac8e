import HeapModule

/// The WAITs under way on one event loop, earliest deadline first, in a binary heap
/// (swift-collections' `Heap`). The loop sleeps in epoll_wait no longer than the earliest
/// deadline (``timeoutMilliseconds(now:)``) and finishes the WAITs that are due each turn
/// (``popDue(now:)``): a WAIT costs a heap entry, not a thread and not a descriptor. A loop
/// may keep its own timers here too, under a descriptor no connection has: its listener's
/// retry after running out of descriptors.
///
/// A heap cannot remove from its middle cheaply, so a connection that closes during its WAIT
/// (``cancel(descriptor:)``) leaves its entry behind: it is skipped when it comes up, and the
/// heap is rebuilt without such entries once they are the majority. Memory follows the WAITs
/// under way, not every WAIT ever begun, and a descriptor reused by a new connection never
/// receives the old connection's wake-up.
///
/// One per event loop; not for sharing between threads.
public struct WaitTimers {
    private struct Entry: Comparable {
        let deadline: UInt64
        let descriptor: Int32

        static func < (left: Entry, right: Entry) -> Bool { left.deadline < right.deadline }
    }

    private var heap = Heap<Entry>()
    /// The deadline of each descriptor's WAIT under way; an entry of the heap that does not
    /// match is one left behind by a closed connection.
    private var deadlines: [Int32: UInt64] = [:]

    public init() {}

    /// How many WAITs are under way.
    public var count: Int { deadlines.count }

    /// Whether a WAIT is under way for `descriptor`.
    public func contains(descriptor: Int32) -> Bool {
        deadlines[descriptor] != nil
    }

    /// Entries in the heap, those left behind by closed connections included (tests, metrics).
    public var storedCount: Int { heap.count }

    /// Starts the WAIT of the connection on `descriptor`, due `milliseconds` after `now`
    /// (CLOCK_MONOTONIC nanoseconds, `SystemClock.now()`). A connection has one
    /// WAIT at a time: its requests are served in order.
    public mutating func add(descriptor: Int32, milliseconds: UInt64, now: UInt64) {
        precondition(deadlines[descriptor] == nil, "a second WAIT for descriptor \(descriptor)")
        let (nanoseconds, tooLong) = milliseconds.multipliedReportingOverflow(by: 1_000_000)
        let (deadline, tooLate) = now.addingReportingOverflow(nanoseconds)
        let entry = Entry(deadline: tooLong || tooLate ? UInt64.max : deadline, descriptor: descriptor)
        deadlines[descriptor] = entry.deadline
        heap.insert(entry)
    }

    /// The connection on `descriptor` closed: its WAIT, if one was under way, is forgotten.
    public mutating func cancel(descriptor: Int32) {
        guard deadlines.removeValue(forKey: descriptor) != nil else { return }
        if heap.count > 64 && heap.count > 2 * deadlines.count {
            heap.removeAll { deadlines[$0.descriptor] != $0.deadline }
        }
    }

    /// How long epoll_wait may sleep: until the earliest deadline, rounded up to whole
    /// milliseconds (rounding down would wake the loop just before it, to find nothing due
    /// and sleep 0 ms until it is: a busy loop); 0 when one is due; -1 (no limit) when no
    /// WAIT is under way.
    public mutating func timeoutMilliseconds(now: UInt64) -> Int32 {
        dropLeftBehind()
        guard let first = heap.min else { return -1 }
        guard first.deadline > now else { return 0 }
        let nanoseconds = first.deadline - now
        return Int32(clamping: nanoseconds / 1_000_000 + (nanoseconds % 1_000_000 == 0 ? 0 : 1))
    }

    /// Removes and returns the descriptor of a WAIT due at `now`; nil when none is.
    public mutating func popDue(now: UInt64) -> Int32? {
        dropLeftBehind()
        guard let first = heap.min, first.deadline <= now else { return nil }
        heap.removeMin()
        deadlines[first.descriptor] = nil
        return first.descriptor
    }

    /// Pops the entries of closed connections that reached the top.
    private mutating func dropLeftBehind() {
        while let first = heap.min, deadlines[first.descriptor] != first.deadline {
            heap.removeMin()
        }
    }
}
