import DumbSystem
import HeapModule

/// The timers of one event loop, earliest deadline first, in a binary heap (swift-collections'
/// `Heap`). The loop sleeps in epoll_wait no longer than the earliest deadline
/// (``timeoutMilliseconds(now:)``) and takes the timers that are due each turn
/// (``popDue(now:)``): a WAIT costs a heap entry, not a thread and not a descriptor.
/// dumb_epoll's loop keys its WAITs by connection descriptor; the reactor keys its timers by
/// a number of its own.
///
/// A heap cannot remove from its middle cheaply, so a timer cancelled (its connection closed
/// during its WAIT) leaves its entry behind: it is skipped when it comes up, and the heap is
/// rebuilt without such entries once they are the majority. Memory follows the timers under
/// way, not every timer ever set, and a key reused (a descriptor number given to a new
/// connection) never receives the old timer's wake-up.
///
/// One per event loop; not for sharing between threads.
public struct TimerHeap<Key: Hashable> {
    private struct Entry: Comparable {
        let deadline: UInt64
        /// The order timers were set in: of two with one deadline, the earlier set fires first.
        let order: UInt64
        let key: Key

        static func < (left: Entry, right: Entry) -> Bool {
            (left.deadline, left.order) < (right.deadline, right.order)
        }
        static func == (left: Entry, right: Entry) -> Bool { left.order == right.order }
    }

    private var heap = Heap<Entry>()
    /// The order number of each key's timer under way; an entry of the heap that does not
    /// match is one left behind by a cancelled timer.
    private var current: [Key: UInt64] = [:]
    private var nextOrder: UInt64 = 0

    public init() {}

    /// How many timers are under way.
    public var count: Int { current.count }

    /// Whether a timer is under way for `key`.
    public func contains(_ key: Key) -> Bool {
        current[key] != nil
    }

    /// Entries in the heap, those left behind by cancelled timers included.
    var storedCount: Int { heap.count }

    /// Sets a timer for `key`, due `milliseconds` after `now` (``SystemClock/now()``
    /// nanoseconds). A key has one timer at a time (a connection serves its requests in order).
    public mutating func add(_ key: Key, milliseconds: UInt64, now: UInt64) {
        add(key, deadline: SystemClock.deadline(afterMilliseconds: milliseconds, from: now))
    }

    /// Sets a timer for `key`, due at `deadline`.
    public mutating func add(_ key: Key, deadline: UInt64) {
        precondition(current[key] == nil, "a second timer for \(key)")
        current[key] = nextOrder
        heap.insert(Entry(deadline: deadline, order: nextOrder, key: key))
        nextOrder += 1
    }

    /// Forgets `key`'s timer, if one is under way.
    public mutating func cancel(_ key: Key) {
        guard current.removeValue(forKey: key) != nil else { return }
        if heap.count > 64 && heap.count > 2 * current.count {
            heap.removeAll { current[$0.key] != $0.order }
        }
    }

    /// The earliest deadline of the timers under way; nil when there is none.
    public mutating func nextDeadline() -> UInt64? {
        dropLeftBehind()
        return heap.min?.deadline
    }

    /// How long epoll_wait may sleep for the earliest timer (see
    /// ``SystemClock/timeoutMilliseconds(until:now:)``): -1 without timers.
    public mutating func timeoutMilliseconds(now: UInt64) -> Int32 {
        SystemClock.timeoutMilliseconds(until: nextDeadline(), now: now)
    }

    /// Removes and returns the key of a timer due at `now`; nil when none is.
    public mutating func popDue(now: UInt64) -> Key? {
        dropLeftBehind()
        guard let first = heap.min, first.deadline <= now else { return nil }
        heap.removeMin()
        current[first.key] = nil
        return first.key
    }

    /// Pops the entries of cancelled timers that reached the top.
    private mutating func dropLeftBehind() {
        while let first = heap.min, current[first.key] != first.order {
            heap.removeMin()
        }
    }
}
