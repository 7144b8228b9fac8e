import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// A measurement, not a check of speed: with 1,000 clients in the room, how long one line
/// takes to reach all the others, and how much server CPU a relayed line costs. Run by hand,
/// against release binaries:
///
///     swift build -c release --product select_chat --product epoll_chat
///     DUMB_BENCH=1 DUMB_BIN_DIR=.build/release swift test --filter ChatFanoutBenchmark
///
/// It prints one line per server; the only expectations are that every line arrived.
@Suite(
    "chat fan-out, measured", .serialized,
    .enabled(if: ProcessInfo.processInfo.environment["DUMB_BENCH"] == "1", "set DUMB_BENCH=1 to measure"))
struct ChatFanoutBenchmark {
    static let clients = Int(ProcessInfo.processInfo.environment["DUMB_BENCH_CLIENTS"] ?? "") ?? 1000
    static let rounds = Int(ProcessInfo.processInfo.environment["DUMB_BENCH_ROUNDS"] ?? "") ?? 500

    @Test(arguments: ServerUnderTest.chat)
    func fanOut(server: ServerUnderTest) throws {
        OpenFileLimit.raiseToHardLimit()
        let process = try server.startWithMetrics()
        let connections = try (0..<Self.clients).map { _ in
            try TestClient(port: process.port, readBufferSize: 4096)
        }
        let epoll = try Epoll(capacity: 1024)
        for (index, connection) in connections.enumerated() {
            try Socket.setNonBlocking(connection.descriptor)
            try epoll.add(connection.descriptor, .input, token: UInt64(index))
        }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        /// Reads until client i got `expected[i]` more lines; returns when the last one arrived.
        func receive(_ expected: [Int]) throws -> UInt64 {
            var missing = expected
            var waiting = expected.filter { $0 > 0 }.count
            var last: UInt64 = 0
            while waiting > 0 {
                let ready = try epoll.wait(timeoutMilliseconds: 30_000)
                guard !ready.isEmpty else { throw TestFailure("\(waiting) clients still wait after 30 s") }
                for (token, _) in ready {
                    let index = Int(token)
                    let result = try buffer.withUnsafeMutableBytes {
                        try Socket.read(connections[index].descriptor, into: $0)
                    }
                    guard case .done(let count) = result, count > 0 else { continue }
                    let lines = buffer[0..<count].reduce(0) { $0 + ($1 == UInt8(ascii: "\n") ? 1 : 0) }
                    let before = missing[index]
                    missing[index] -= lines
                    if before > 0 && missing[index] <= 0 {
                        waiting -= 1
                        last = SystemClock.now()
                    }
                }
            }
            return last
        }
        // the greetings and the joined notices: client i hears of the clients after it
        _ = try receive((0..<Self.clients).map { 1 + Self.clients - 1 - $0 })

        let cpuBefore = Self.cpuNanoseconds(process.pid)
        let turnsBefore = try Self.turns(process)
        var latencies: [UInt64] = []
        let line = Array("hello, everybody\n".utf8)
        for round in 0..<Self.rounds {
            let sender = round % Self.clients
            var expected = [Int](repeating: 1, count: Self.clients)
            expected[sender] = 0
            let sent = SystemClock.now()
            try connections[sender].send(line)
            latencies.append(try receive(expected) - sent)
        }
        let cpu = Self.cpuNanoseconds(process.pid) - cpuBefore
        let turnsAfter = try Self.turns(process)
        // the server's own view: its loop turns (read, relay, write) while the lines went round
        let turnCount = turnsAfter.count - turnsBefore.count
        let turnTime = (turnsAfter.seconds - turnsBefore.seconds) / turnCount * 1e3
        latencies.sort()
        func milliseconds(_ nanoseconds: UInt64) -> String { String(format: "%.2f ms", Double(nanoseconds) / 1e6) }
        let perLine = Double(cpu) / Double(Self.rounds)
        print(
            "\(server.binary): \(Self.clients) clients, \(Self.rounds) lines, one at a time: "
                + String(format: "%.0f loop turns of %.2f ms on average; ", turnCount, turnTime)
                + "seen by this client at all \(Self.clients - 1) others in median \(milliseconds(latencies[latencies.count / 2])), "
                + "p90 \(milliseconds(latencies[latencies.count * 9 / 10])), max \(milliseconds(latencies.last!)); "
                + "server CPU \(milliseconds(UInt64(perLine))) per line, "
                + String(format: "%.2f µs per delivery", perLine / 1e3 / Double(Self.clients - 1)))
        #expect(process.isRunning)
    }

    /// The count and sum of dumb_event_loop_iteration_seconds.
    static func turns(_ process: ServerProcess) throws -> (count: Double, seconds: Double) {
        let scrape = try process.scrapeMetrics()
        return (
            scrape["dumb_event_loop_iteration_seconds_count"] ?? 0, scrape["dumb_event_loop_iteration_seconds_sum"] ?? 0
        )
    }

    /// utime + stime of a process (clock ticks of 10 ms).
    static func cpuNanoseconds(_ pid: Int32) -> UInt64 {
        UInt64(ProcessStatus.cpuTicks(pid: pid) ?? 0) * 1_000_000_000 / UInt64(ProcessStatus.ticksPerSecond)
    }
}
