import LoadGenerator
import Testing

@Suite struct SendSchedulerTests {
    let millisecond: UInt64 = 1_000_000
    let second: UInt64 = 1_000_000_000

    @Test func closedLoopSendsAtOnce() {
        var scheduler = SendScheduler(pacing: .closedLoop(thinkTime: 0), start: 0)
        #expect(scheduler.release(1, now: 5) == 5)
        #expect(scheduler.nextDue == nil)
        #expect(scheduler.next(now: 100, isValid: { _ in true }) == nil)
    }

    @Test func closedLoopThinksFirst() {
        var scheduler = SendScheduler(pacing: .closedLoop(thinkTime: 10 * millisecond), start: 0)
        #expect(scheduler.release(1, now: 0) == nil)
        #expect(scheduler.release(2, now: 3 * millisecond) == nil)
        #expect(scheduler.release(3, now: 4 * millisecond) == nil)
        #expect(scheduler.nextDue == 10 * millisecond)
        #expect(scheduler.next(now: 9 * millisecond, isValid: { _ in true }) == nil)
        let first = scheduler.next(now: 20 * millisecond, isValid: { _ in true })
        #expect(first?.token == 1 && first?.due == 10 * millisecond)
        // a connection that closed while it thought is skipped
        let next = scheduler.next(now: 20 * millisecond, isValid: { $0 != 2 })
        #expect(next?.token == 3 && next?.due == 14 * millisecond)
        #expect(scheduler.next(now: 20 * millisecond, isValid: { _ in true }) == nil)
        #expect(scheduler.nextDue == nil)
    }

    @Test func openLoopKeepsTheRate() {
        var scheduler = SendScheduler(pacing: .openLoop(requestsPerSecond: 1000), start: 100 * millisecond)
        #expect(scheduler.dueTime(ofRequest: 0) == 100 * millisecond)
        #expect(scheduler.dueTime(ofRequest: 3) == 103 * millisecond)
        #expect(scheduler.release(1, now: 50 * millisecond) == nil, "nothing is due before the start")
        #expect(scheduler.nextDue == 100 * millisecond)
        #expect(scheduler.release(2, now: 60 * millisecond) == nil)
        let first = scheduler.next(now: 100 * millisecond, isValid: { _ in true })
        #expect(first?.token == 1 && first?.due == 100 * millisecond)
        #expect(scheduler.next(now: 100 * millisecond, isValid: { _ in true }) == nil, "the next is due at 101 ms")
        // late: every request due by now goes out, each counted from its own due time
        let late = scheduler.next(now: 105 * millisecond, isValid: { _ in true })
        #expect(late?.token == 2 && late?.due == 101 * millisecond)
        #expect(scheduler.backlog(now: 105 * millisecond) == 4, "102 to 105 ms are due and unsent")
        #expect(scheduler.release(3, now: 105 * millisecond) == 102 * millisecond, "a freed connection sends at once")
        #expect(scheduler.nextRequest == 3)
    }

    /// The correction for coordinated omission, against a fake clock: one connection, an
    /// open loop of 1000 requests/s, a server that answers in 0.1 ms but freezes for one
    /// second. Counted from when each request was due, the freeze shows in every request it
    /// held up (about a thousand, from 1000 ms down to 0); counted from when each was sent,
    /// it would show in one.
    @Test func aStallShowsInEveryRequestItHeldUp() {
        let serviceTime = 100_000 as UInt64
        let freeze = (second)..<(2 * second)
        func answered(sentAt: UInt64) -> UInt64 {
            freeze.contains(sentAt) ? freeze.upperBound + serviceTime : sentAt + serviceTime
        }
        var scheduler = SendScheduler(pacing: .openLoop(requestsPerSecond: 1000), start: 0)
        var corrected = LatencyRecorder()
        var naive = LatencyRecorder()
        var now: UInt64 = 0
        var due = scheduler.release(42, now: now)
        var sent = 0
        while now < 3 * second {
            if let dueTime = due {
                let sentAt = now
                now = answered(sentAt: sentAt)
                corrected.record(now - dueTime)
                naive.record(now - sentAt)
                sent += 1
                due = scheduler.release(42, now: now)
            } else {
                now = scheduler.nextDue!
                let next = scheduler.next(now: now, isValid: { $0 == 42 })
                #expect(next?.token == 42)
                due = next?.due
            }
        }
        corrected.closeInterval()
        naive.closeInterval()
        let correctedSummary = corrected.summary
        let naiveSummary = naive.summary
        // every request of the three seconds went out, none was skipped
        #expect((2999...3001).contains(sent))
        #expect(scheduler.backlog(now: now) <= 1)
        #expect(correctedSummary.max > 990 && correctedSummary.max < 1010)
        #expect(correctedSummary.p90 > 600, "about a third of the requests waited 0 to 1000 ms: \(correctedSummary)")
        #expect(correctedSummary.p50 < 1)
        #expect(naiveSummary.p99 < 1, "sent-time latency hides the stall: \(naiveSummary)")
        #expect(naiveSummary.max > 990)
    }
}
