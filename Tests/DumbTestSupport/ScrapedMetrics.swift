import DumbMetrics

/// What a server's `GET /metrics` returned, as Prometheus reads it: one value per series.
public struct ScrapedMetrics: Sendable {
    /// The exposition text, as received.
    public let text: String
    /// Each series as the text writes it (`dumb_requests_total{command="BURN"}`), and its value.
    public let values: [String: Double]

    public init(text: String) {
        self.text = text
        values = MetricsScrape(text: text).values
    }

    /// The value of a series written as the text writes it: `dumb_worker_connections_active{worker="0"}`.
    public subscript(_ series: String) -> Double? { values[series] }

    /// The series of one metric, `name` or `name{…}`, and their values.
    public func series(_ name: String) -> [String: Double] {
        values.filter { $0.key == name || $0.key.hasPrefix(name + "{") }
    }

    /// `GET /metrics` from `host`:`port`.
    public static func scrape(port: Int, host: String = "127.0.0.1", timeout: Double = 30) throws -> ScrapedMetrics {
        let client = try TestClient(port: port, host: host)
        try client.send("GET /metrics HTTP/1.1\r\nHost: \(host)\r\n\r\n")
        guard try client.waitForClose(timeout: timeout) else {
            throw TestFailure("the metrics endpoint on port \(port) did not answer within \(timeout) s")
        }
        let response = client.unread
        guard response.hasPrefix("HTTP/1.1 200"), let body = response.range(of: "\r\n\r\n") else {
            throw TestFailure("the metrics endpoint on port \(port) answered: \(response.prefix(200))")
        }
        return ScrapedMetrics(text: String(response[body.upperBound...]))
    }
}
