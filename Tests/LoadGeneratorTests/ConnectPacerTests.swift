import LoadGenerator
import Testing

@Suite struct ConnectPacerTests {
    let millisecond: UInt64 = 1_000_000
    let second: UInt64 = 1_000_000_000

    /// Takes every connect allowed at `now`.
    func takeAll(_ pacer: inout ConnectPacer, now: UInt64) -> Int {
        var taken = 0
        while pacer.take(now: now) { taken += 1 }
        return taken
    }

    @Test func oneAtOnceThenTheRate() {
        var pacer = ConnectPacer(rate: 1000, start: 0)
        #expect(takeAll(&pacer, now: 0) == 1, "the first connect starts at once")
        #expect(pacer.nextAllowed(now: 0) == 1 * millisecond)
        #expect(takeAll(&pacer, now: millisecond / 2) == 0)
        #expect(pacer.nextAllowed(now: millisecond / 2) == 1 * millisecond)
        #expect(takeAll(&pacer, now: 1 * millisecond) == 1)
        // over a second, the rate: 1000 connects, one a millisecond
        var taken = 0
        for step in 2...1001 { taken += takeAll(&pacer, now: UInt64(step) * millisecond) }
        #expect(taken == 1000)
    }

    @Test func aLateLoopGetsABurstOfAHundredthOfASecondAtMost() {
        var pacer = ConnectPacer(rate: 5000, start: 0)
        #expect(takeAll(&pacer, now: 0) == 1)
        // the loop slept 2 s (a stalled machine): not 10,000 connects at once, 50
        #expect(takeAll(&pacer, now: 2 * second) == 50)
        #expect(pacer.nextAllowed(now: 2 * second) == 2 * second + 200_000)
    }

    @Test func aSlowRateWaitsSecondsBetweenConnects() {
        var pacer = ConnectPacer(rate: 0.5, start: 10 * second)
        #expect(takeAll(&pacer, now: 10 * second) == 1)
        #expect(takeAll(&pacer, now: 11 * second) == 0)
        #expect(pacer.nextAllowed(now: 11 * second) == 12 * second)
        #expect(takeAll(&pacer, now: 12 * second) == 1)
    }

    @Test func aClockThatDoesNotMoveAddsNothing() {
        var pacer = ConnectPacer(rate: 1000, start: 5 * second)
        #expect(takeAll(&pacer, now: 5 * second) == 1)
        #expect(takeAll(&pacer, now: 4 * second) == 0, "an earlier time gives no connects")
        #expect(takeAll(&pacer, now: 5 * second) == 0)
    }
}
