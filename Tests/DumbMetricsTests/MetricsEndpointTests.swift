import DumbMetrics
import DumbProtocol
import DumbTestSupport
import Glibc
import Testing

@Suite struct MetricsEndpointTests {
    func request(_ port: Int, _ text: String) throws -> String {
        let client = try TestClient(port: port)
        try client.send(text)
        _ = try client.waitForClose()
        return client.unread
    }

    @Test func servesGetMetricsOnly() throws {
        let metrics = ServerMetrics(serverLabel: "test", model: "test")
        let endpoint = try MetricsEndpoint(host: "127.0.0.1", port: 0, exporter: metrics.exporter)
        try endpoint.start()
        let port = endpoint.listener.port
        let ok = try request(port, "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(ok.hasPrefix("HTTP/1.1 200 OK\r\n"))
        #expect(ok.contains("Content-Type: text/plain; version=0.0.4"))
        #expect(ok.contains("dumb_server_info{"))
        #expect(try request(port, "GET /metrics?x=1 HTTP/1.0\n\n").hasPrefix("HTTP/1.1 200 OK"))
        #expect(try request(port, "GET / HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(try request(port, "POST /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 404"))
        #expect(try request(port, "PING\n\n").hasPrefix("HTTP/1.1 404"))
        let huge = "GET /metrics HTTP/1.1\r\nX: " + String(repeating: "a", count: 10_000) + "\r\n\r\n"
        #expect(try request(port, huge).hasPrefix("HTTP/1.1 431"))
        // still serving
        #expect(try request(port, "GET /metrics HTTP/1.1\r\n\r\n").hasPrefix("HTTP/1.1 200 OK"))
    }
}
