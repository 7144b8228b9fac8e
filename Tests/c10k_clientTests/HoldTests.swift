import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

/// `--hold`: after the load, the connections stay open and idle (what the memory
/// experiment measures them at).
@Suite("c10k_client --hold")
struct HoldTests {
    @Test("after --duration the connections stay open and nothing more is sent, then it exits as usual")
    func holdsIdleConnections() throws {
        let server = try ServerProcess.startWithMetrics("dumb_epoll")
        let client = try ServerProcess(
            "c10k_client",
            arguments: ["200", "--port", String(server.port), "--request", "PING", "--duration", "1s", "--hold", "4s"])
        #expect(
            eventually(timeout: 30) { client.log.contains("load done: holding 200 connections idle") }, "\(client.log)")
        usleep(1_000_000)  // the requests under way when the load ended are answered
        let first = try server.scrapeMetrics()
        usleep(1_000_000)
        let second = try server.scrapeMetrics()
        #expect(second["dumb_connections_active"] == 200)
        #expect(
            first["dumb_requests_total{command=\"PING\"}"] == second["dumb_requests_total{command=\"PING\"}"],
            "sent while holding")
        #expect(client.waitForExit(timeout: 30) == 0, "\(client.log)")
        #expect(client.log.contains("held         200 connections idle for"))
    }

    @Test("--hold needs --duration")
    func needsDuration() throws {
        let run = try ClientRun(["10", "--hold", "5s"])
        #expect(run.status == 64)
        #expect(run.output.contains("--hold begins when --duration ends"))
    }
}
