import DumbSystem
import Testing

@Suite struct EpollTests {
    @Test func aPreciseWaitReportsWhatIsReadyAndWaitsOutItsTimeout() throws {
        let epoll = try Epoll(capacity: 8)
        let wake = try EventFD()
        try epoll.add(wake.descriptor, .input, token: 7)

        let start = SystemClock.now()
        #expect(try epoll.wait(timeoutNanoseconds: 2_000_000).isEmpty)
        #expect(SystemClock.now() - start >= 1_500_000, "returned before its 2 ms timeout with nothing ready")

        wake.signal()
        let ready = try epoll.wait(timeoutNanoseconds: 10_000_000_000)
        #expect(ready.map(\.token) == [7])
        #expect(ready.first?.events.contains(.input) == true)
        #expect(try epoll.wait(timeoutNanoseconds: 0).map(\.token) == [7], "level-triggered: still readable")
        wake.drain()
        #expect(try epoll.wait(timeoutNanoseconds: 0).isEmpty)
    }
}
