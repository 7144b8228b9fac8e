import DumbMetrics
import DumbTestSupport
import Testing

@Suite struct ClientMetricsTests {
    func snapshot() -> ClientMetrics.Snapshot {
        var snapshot = ClientMetrics.Snapshot()
        snapshot.connectionsActive = 998
        snapshot.requests = [.init("ok", 1200), .init("timeout", 3), .init("wrong_answer", 0)]
        snapshot.connectErrors = [.init("refused", 2), .init("other", 0)]
        snapshot.durationBucketCounts = ClientMetrics.requestDurationBuckets.indices.map { $0 < 2 ? 100 : 1200 }
        snapshot.durationCount = 1200
        snapshot.durationSumSeconds = 0.25
        return snapshot
    }

    @Test func theContractNamesInTheTextFormat() {
        let metrics = ClientMetrics(initial: ClientMetrics.Snapshot(), collectors: [])
        metrics.publish(snapshot())
        // no collectors: the client's own families only
        let text = String(decoding: metrics.exporter.render(), as: UTF8.self)
        var expected = """
            # HELP c10k_client_connections_active Connections of the load generator that are open and usable now.
            # TYPE c10k_client_connections_active gauge
            c10k_client_connections_active 998
            # HELP c10k_client_requests_total Requests by how they ended: ok (a correct answer), wrong_answer, timeout, reset, closed_early (the server closed first).
            # TYPE c10k_client_requests_total counter
            c10k_client_requests_total{outcome="ok"} 1200
            c10k_client_requests_total{outcome="timeout"} 3
            c10k_client_requests_total{outcome="wrong_answer"} 0
            # HELP c10k_client_request_duration_seconds Latency of correct answers, seen by the client: from the request's send (open loop: its intended send) to the answer's last byte.
            # TYPE c10k_client_request_duration_seconds histogram
            c10k_client_request_duration_seconds_bucket{le="0.00005"} 100
            c10k_client_request_duration_seconds_bucket{le="0.0001"} 100
            c10k_client_request_duration_seconds_bucket{le="0.00025"} 1200

            """
        for bound in ["0.0005", "0.001", "0.0025", "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5"]
            + ["5", "10", "30", "60", "600"]
        {
            expected += "c10k_client_request_duration_seconds_bucket{le=\"\(bound)\"} 1200\n"
        }
        expected += """
            c10k_client_request_duration_seconds_bucket{le="+Inf"} 1200
            c10k_client_request_duration_seconds_sum 0.25
            c10k_client_request_duration_seconds_count 1200
            # HELP c10k_client_connect_errors_total Connects that failed, by reason: refused, timeout, descriptors (out of file descriptors), ports (out of local ports), other (a reset during the handshake, an unreachable host).
            # TYPE c10k_client_connect_errors_total counter
            c10k_client_connect_errors_total{reason="refused"} 2
            c10k_client_connect_errors_total{reason="other"} 0

            """
        #expect(text == expected)
    }

    @Test func servedWithTheProcessFigures() throws {
        let metrics = ClientMetrics(initial: snapshot())
        let endpoint = try MetricsEndpoint(host: "127.0.0.1", port: 0, exporter: metrics.exporter)
        try endpoint.start()
        let client = try TestClient(port: endpoint.listener.port)
        try client.send("GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        _ = try client.waitForClose()
        let response = client.unread
        #expect(response.hasPrefix("HTTP/1.1 200 OK"))
        for name in [
            "c10k_client_connections_active 998", "c10k_client_requests_total{outcome=\"ok\"} 1200",
            "c10k_client_request_duration_seconds_count 1200", "c10k_client_connect_errors_total{reason=\"refused\"} 2",
            "process_cpu_seconds_total", "process_open_fds", "dumb_process_threads",
        ] {
            #expect(response.contains(name), "missing: \(name)")
        }
    }
}
