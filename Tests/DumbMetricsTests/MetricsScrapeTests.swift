import DumbMetrics
import Testing

@Suite struct MetricsScrapeTests {
    @Test func seriesAndTotals() {
        let scrape = MetricsScrape(
            text: """
                # HELP c10k_client_connections_active x
                c10k_client_connections_active 998
                c10k_client_requests_total{outcome="ok"} 1200
                c10k_client_requests_total{outcome="timeout"} 3
                """)
        #expect(scrape["c10k_client_connections_active"] == 998)
        #expect(scrape.total("c10k_client_requests_total") == 1203)
        #expect(scrape.total("c10k_client_requests") == 0, "a name is matched whole")
    }
}
