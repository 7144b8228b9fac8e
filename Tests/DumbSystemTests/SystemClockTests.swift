import DumbSystem
import Glibc
import Testing

@Suite struct SystemClockTests {
    @Test func sleepSleepsAtLeastThatLong() throws {
        let start = SystemClock.now()
        try SystemClock.sleep(milliseconds: 30)
        #expect(SystemClock.now() - start >= 30_000_000)
    }
}
