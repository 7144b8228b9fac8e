import Testing

@testable import DumbEpollLoop

@Suite struct TimerHeapTests {
    let millisecond: UInt64 = 1_000_000

    @Test func theEarliestDeadlineSetsTheTimeout() {
        var timers = TimerHeap<Int32>()
        #expect(timers.timeoutMilliseconds(now: 0) == -1)  // nothing under way: no limit
        timers.add(7, milliseconds: 50, now: 0)
        timers.add(8, milliseconds: 20, now: 0)
        timers.add(9, milliseconds: 0, now: 0)
        #expect(timers.count == 3)
        #expect(timers.timeoutMilliseconds(now: 0) == 0)  // WAIT 0 is due at once
        #expect(timers.popDue(now: 0) == 9)
        #expect(timers.popDue(now: 0) == nil)
        #expect(timers.timeoutMilliseconds(now: 0) == 20)
        // rounded up: sleeping 19 ms would wake the loop before anything is due
        #expect(timers.timeoutMilliseconds(now: 1) == 20)
        #expect(timers.timeoutMilliseconds(now: 19 * millisecond + 1) == 1)
        #expect(timers.popDue(now: 20 * millisecond - 1) == nil)
        #expect(timers.popDue(now: 60 * millisecond) == 8)
        #expect(timers.popDue(now: 60 * millisecond) == 7)
        #expect(timers.popDue(now: 60 * millisecond) == nil)
        #expect(timers.count == 0)
        #expect(timers.timeoutMilliseconds(now: 60 * millisecond) == -1)
    }

    @Test func aDescriptorHasATimerOrNot() {
        var timers = TimerHeap<Int32>()
        #expect(!timers.contains(5))
        timers.add(5, milliseconds: 50, now: 0)
        #expect(timers.contains(5) && !timers.contains(6))
        #expect(timers.popDue(now: 50 * millisecond) == 5)
        #expect(!timers.contains(5))
        timers.add(5, milliseconds: 50, now: 0)
        timers.cancel(5)
        #expect(!timers.contains(5))
    }

    @Test func aClosedConnectionsWaitNeverFires() {
        var timers = TimerHeap<Int32>()
        timers.add(5, milliseconds: 10, now: 0)
        timers.cancel(5)
        #expect(timers.count == 0)
        // descriptor 5 is reused by a new connection with a later WAIT: the old deadline is not its
        timers.add(5, milliseconds: 30, now: 5 * millisecond)
        #expect(timers.timeoutMilliseconds(now: 5 * millisecond) == 30)
        #expect(timers.popDue(now: 20 * millisecond) == nil)
        #expect(timers.popDue(now: 35 * millisecond) == 5)
        timers.cancel(5)  // no WAIT under way: nothing to do
        #expect(timers.count == 0)
    }

    @Test func entriesLeftBehindDoNotAccumulate() {
        var timers = TimerHeap<Int32>()
        timers.add(1, milliseconds: 600_000, now: 0)
        // a client that connects, sends WAIT 600000 and vanishes, again and again
        for round in 0..<10_000 {
            let descriptor = Int32(2 + round % 100)
            timers.add(descriptor, milliseconds: 600_000, now: UInt64(round))
            timers.cancel(descriptor)
        }
        #expect(timers.count == 1)
        #expect(timers.storedCount <= 130)
        #expect(timers.popDue(now: 600_000 * millisecond) == 1)
        #expect(timers.popDue(now: .max) == nil)
    }

    @Test func aDeadlinePastTheClockSaturates() {
        var timers = TimerHeap<Int32>()
        timers.add(3, milliseconds: .max, now: 1)
        #expect(timers.timeoutMilliseconds(now: 1) == Int32.max)
        #expect(timers.popDue(now: .max - 1) == nil)
    }
}
