import DumbMetrics
import DumbServerKit
import DumbSystem
import Glibc
import InMemoryLogging
import Logging
import Synchronization
import Testing

@Suite struct AcceptRefusalsTests {
    /// A clock the test moves by hand.
    final class TestClock: Sendable {
        let nanoseconds = Mutex<UInt64>(1_000_000_000)
        func advance(milliseconds: UInt64) { nanoseconds.withLock { $0 += milliseconds * 1_000_000 } }
        func now() -> UInt64 { nanoseconds.withLock { $0 } }
    }

    let clock = TestClock()
    let handler = InMemoryLogHandler()
    let metrics = ServerMetrics(serverLabel: "test", model: "test")
    var refusals: AcceptRefusals {
        let handler = handler
        return AcceptRefusals(
            metrics: metrics, logger: Logger(label: "test") { _ in handler }, clock: { [clock] in clock.now() })
    }
    var lines: [String] { handler.entries.map(\.message.description) }

    @Test func aFloodOfRefusalsIsOneLineThenOneLinePerInterval() throws {
        let refusals = refusals
        let error = SystemError("accept4", errno: EMFILE)
        refusals.refused(error)
        #expect(lines.count == 1)
        #expect(lines[0].hasPrefix("refused a connection, closed at once: accept4 failed: Too many open files"))
        for _ in 0..<99 {
            clock.advance(milliseconds: 10)
            refusals.refused(error)
        }
        #expect(lines.count == 1, "\(lines)")
        clock.advance(milliseconds: 5000)
        refusals.refused(error)
        #expect(lines.count == 2)
        #expect(lines[1].hasPrefix("refused 100 more connections in 5.9 s: accept4 failed"), "\(lines[1])")
        // every one counted, logged or not
        #expect(
            String(decoding: metrics.exporter.render(), as: UTF8.self).contains("dumb_connections_rejected_total 101"))
        // after a quiet interval, the next one is logged at once, as the first was
        clock.advance(milliseconds: 60_000)
        refusals.refused(error)
        #expect(lines.count == 3 && lines[2].hasPrefix("refused a connection, closed at once"), "\(lines)")
    }

    @Test func backingOffIsLimitedOnItsOwnAndSaysWhy() {
        let refusals = refusals
        refusals.refused(SystemError("accept4", errno: EMFILE))
        refusals.backingOff(SystemError("accept4", errno: EMFILE))
        refusals.backingOff(SystemError("accept4", errno: EMFILE))
        #expect(lines.count == 2, "\(lines)")
        #expect(
            lines[1]
                == "cannot accept now: accept4 failed: Too many open files (errno 24), and no descriptor is free to refuse connections with: they wait in the backlog; retrying every 50 ms"
        )
        clock.advance(milliseconds: 5000)
        refusals.backingOff(SystemError("accept4", errno: ENOBUFS))
        #expect(lines.count == 3)
        #expect(
            lines[2].hasPrefix("cannot accept now, 2 more times in 5.0 s: accept4 failed: No buffer space"), "\(lines)")
        // backing off refuses nothing
        #expect(
            String(decoding: metrics.exporter.render(), as: UTF8.self).contains("dumb_connections_rejected_total 1"))
    }
}
