import DequeModule

/// The deadlines of a load run's connects and requests under way, in order. Each is its
/// start plus the one `--timeout`, so appending keeps the queue sorted, and the earliest is
/// always first: a deque, not a heap.
///
/// An entry names a client slot and that client's generation when it was added; a client
/// whose connect or answer came has moved to another generation, and its entry is dropped
/// when it reaches the front. So the queue holds about one entry per connect or request
/// outstanding, not one per request of the last timeout.
struct DeadlineQueue {
    private var entries = Deque<(deadline: UInt64, slot: Int32, generation: UInt32)>()

    mutating func add(deadline: UInt64, slot: Int, generation: UInt32) {
        entries.append((deadline, Int32(slot), generation))
    }

    /// The earliest deadline queued (maybe of an entry no longer current: waking for it costs
    /// one empty turn).
    var earliest: UInt64? { entries.first?.deadline }

    /// The slot of an entry still current (`isCurrent(slot, generation)`) whose deadline
    /// passed at `now`; nil when there is none. Entries no longer current are dropped on the way.
    mutating func popExpired(now: UInt64, isCurrent: (Int, UInt32) -> Bool) -> Int? {
        while let first = entries.first {
            let current = isCurrent(Int(first.slot), first.generation)
            guard !current || first.deadline <= now else { return nil }
            entries.removeFirst()
            if current { return Int(first.slot) }
        }
        return nil
    }
}
