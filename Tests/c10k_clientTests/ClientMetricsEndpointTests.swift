import DumbSystem
import DumbTestSupport
import Foundation
import Glibc
import Testing

@Suite("c10k_client's metrics endpoint")
struct ClientMetricsEndpointTests {
    @Test func scrapedWhileItRuns() throws {
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
        #expect(answered, "\(text)\n\(client.log)")
        for name in [
            "c10k_client_requests_total{outcome=\"ok\"}", "c10k_client_requests_total{outcome=\"timeout\"} 0",
            "c10k_client_request_duration_seconds_bucket{le=\"+Inf\"}", "c10k_client_request_duration_seconds_sum",
            "c10k_client_connect_errors_total{reason=\"refused\"} 0", "process_open_fds", "process_cpu_seconds_total",
        ] {
            #expect(text.contains(name), "missing: \(name)")
        }
        if TestTools.hasPromtool {
            let problems = try TestTools.promtoolProblems(text)
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}
