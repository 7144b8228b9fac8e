import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// The correction for coordinated omission, on the real engine against a real server: the
/// server is frozen (SIGSTOP) for one second in the middle of an open-loop run at 100 req/s
/// on one connection. Every request due during that second waited for it, so about a
/// hundred answers carry 0 to 1000 ms of latency: the percentiles must show the stall, not
/// only the maximum. An engine that timed each request from its send would report one slow
/// answer and a p90 of a fraction of a millisecond.
@Suite("c10k_client's open loop counts the time requests waited")
struct CoordinatedOmissionTests {
    @Test func aStalledServerShowsInThePercentiles() throws {
        let server = try ServerProcess.start("dumb_epoll")
        let path = NSTemporaryDirectory() + "c10k-co-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let client = try ServerProcess(
            "c10k_client",
            arguments: [
                "1", "--port", "\(server.port)", "--rate", "100", "--request", "PING", "--duration", "5s",
                "--json", path,
            ])
        // the first answers have come: the run is under way
        #expect(eventually(timeout: 60) { client.log.contains("all 1 connections open") || !client.isRunning })
        #expect(eventually(timeout: 60) { client.log.contains("[   1s]") || !client.isRunning }, "\(client.log)")
        let stall = 1.0
        kill(server.pid, SIGSTOP)
        let stoppedAt = SystemClock.now()
        usleep(UInt32(stall * 1e6))  // the stall itself: what the run must show
        kill(server.pid, SIGCONT)
        let stalled = Double(SystemClock.now() - stoppedAt) / 1e9
        #expect(client.waitForExit(timeout: 120) == 0, "\(client.log)")
        let summary = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path)))
        let json = try #require(summary as? [String: Any])
        let latency = try #require(json["latency_ms"] as? [String: Double], "\(json)")
        let (p90, p99, maximum) = (latency["p90"] ?? 0, latency["p99"] ?? 0, latency["max"] ?? 0)
        // 1 s of a 5 s run at an even rate: a fifth of the requests waited 0 to 1000 ms, so
        // p90 is near half the stall and p99 near all of it (wide margins: a loaded machine)
        #expect(maximum >= 0.9 * stalled * 1000, "max \(maximum) ms, the server was stopped \(stalled) s")
        #expect(p99 >= 0.6 * stalled * 1000, "p99 \(p99) ms does not show the \(stalled) s stall: \(latency)")
        #expect(p90 >= 0.2 * stalled * 1000, "p90 \(p90) ms does not show the \(stalled) s stall: \(latency)")
        #expect((json["requests"] as? Int ?? 0) >= 300, "\(json)")
        #expect((json["errors"] as? [String: Int])?.values.reduce(0, +) == 0, "\(json)")
    }
}
