import DumbSystem
import Glibc
import Testing

@Suite struct TimeoutRoundingTests {
    let millisecond: UInt64 = 1_000_000

    @Test func aTimeoutIsRoundedUpSoTheLoopWakesAfterTheDeadline() {
        #expect(SystemClock.timeoutMilliseconds(until: nil, now: 5) == -1)
        #expect(SystemClock.timeoutMilliseconds(until: 5, now: 5) == 0)
        #expect(SystemClock.timeoutMilliseconds(until: 4, now: 5) == 0)
        #expect(SystemClock.timeoutMilliseconds(until: 1 + 20 * millisecond, now: 1) == 20)
        #expect(SystemClock.timeoutMilliseconds(until: 2 + 20 * millisecond, now: 1) == 21)
        #expect(SystemClock.timeoutMilliseconds(until: .max, now: 0) == Int32.max)
        #expect(SystemClock.millisecondsRoundedUp(1) == 1)
        #expect(SystemClock.millisecondsRoundedUp(0) == 0)
    }

    @Test func aDeadlinePastTheEndOfTheClockSaturates() {
        #expect(SystemClock.deadline(afterMilliseconds: 7, from: 3) == 3 + 7 * millisecond)
        #expect(SystemClock.deadline(afterMilliseconds: .max, from: 3) == .max)
        #expect(SystemClock.deadline(afterMilliseconds: 1, from: .max - 5) == .max)
    }
}
