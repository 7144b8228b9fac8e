import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

@Suite("c10k_client's metrics endpoint")
struct ClientMetricsEndpointTests {
    /// Starts a client of 10 connections with its endpoint on; returns the endpoint's text once
    /// all ten are open and answered.
    static func scrapeRunningClient() throws -> (text: String, answered: Bool, log: String) {
        let server = try ServerUnderTest.concurrent[0].start()
        let metricsPort = try freeLoopbackPort()
        let client = try ServerProcess(
            "c10k_client",
            arguments: ["10", "--port", "\(server.port)", "--metrics-port", "\(metricsPort)", "--duration", "30s"])
        defer { kill(client.pid, SIGINT) }
        var text = ""
        let answered = eventually(timeout: 60) {
            guard let scrape = try? ScrapedMetrics.scrape(port: metricsPort) else { return false }
            text = scrape.text
            return text.contains("c10k_client_connections_active 10\n")
                && !text.contains("c10k_client_requests_total{outcome=\"ok\"} 0\n")
        }
        return (text, answered, client.log)
    }

    @Test func scrapedWhileItRuns() throws {
        let (text, answered, log) = try Self.scrapeRunningClient()
        #expect(answered, "\(text)\n\(log)")
        for name in [
            "c10k_client_requests_total{outcome=\"ok\"}", "c10k_client_requests_total{outcome=\"timeout\"} 0",
            "c10k_client_request_duration_seconds_bucket{le=\"+Inf\"}", "c10k_client_request_duration_seconds_sum",
            "c10k_client_connect_errors_total{reason=\"refused\"} 0", "process_open_fds", "process_cpu_seconds_total",
        ] {
            #expect(text.contains(name), "missing: \(name)")
        }
    }

    @Test(
        "its exposition passes promtool",
        .enabled(if: TestTools.hasPromtool, Comment(rawValue: TestTools.promtoolMissing)))
    func promtool() throws {
        let (text, answered, log) = try Self.scrapeRunningClient()
        #expect(answered, "\(log)")
        let problems = try TestTools.promtoolProblems(text)
        #expect(problems.isEmpty, "\(problems)")
    }
}
