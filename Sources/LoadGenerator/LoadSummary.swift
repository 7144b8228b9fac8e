import DumbCommandLine

/// What a load run measured: the figures of the final summary and of the JSON file.
public struct LoadSummary: Equatable, Sendable {
    /// Connections asked for.
    public var clientsRequested: Int
    /// The most connections open at the same time.
    public var clientsConnected: Int
    /// Correct answers.
    public var requests: UInt64
    /// From the start of the run (connects included) to its end.
    public var durationSeconds: Double
    public var latency: LatencySummary
    /// From `connect()` to the connection being established.
    public var connect: LatencySummary
    public var errors: ErrorCounts

    // For the text summary only.
    public var target = ""
    public var pacing: SendScheduler.Pacing = .closedLoop(thinkTime: 0)
    public var requestDescription = ""
    /// Open loop: requests that were due but never sent (every connection was busy).
    public var unsentDueRequests: UInt64 = 0
    /// Why fewer connections than asked for were open, when that happened.
    public var shortfall: String?
    /// The first wrong answer's reason.
    public var firstWrongAnswer: String?
    /// Seconds the connections were held idle after the load (`--hold`).
    public var heldSeconds: Double?

    public var throughput: Double { durationSeconds > 0 ? Double(requests) / durationSeconds : 0 }

    /// Every connection was open at once, answers came back, and nothing went wrong: the
    /// exit status is 0 exactly then.
    public var succeeded: Bool {
        errors.total == 0 && clientsConnected >= clientsRequested && requests > 0
    }

    public init(
        clientsRequested: Int, clientsConnected: Int, requests: UInt64, durationSeconds: Double,
        latency: LatencySummary, connect: LatencySummary, errors: ErrorCounts
    ) {
        self.clientsRequested = clientsRequested
        self.clientsConnected = clientsConnected
        self.requests = requests
        self.durationSeconds = durationSeconds
        self.latency = latency
        self.connect = connect
        self.errors = errors
    }

    /// The JSON summary: exactly the keys docs/c10k_client.md documents, in that order.
    public var json: String {
        let errorFields = ErrorKind.allCases.map { "    \"\($0.key)\": \(errors[$0])" }.joined(separator: ",\n")
        return """
            {
              "clients_requested": \(clientsRequested),
              "clients_connected": \(clientsConnected),
              "requests": \(requests),
              "throughput_rps": \(Self.number(throughput, decimals: 1)),
              "duration_s": \(Self.number(durationSeconds, decimals: 3)),
              "latency_ms": {
                "p50": \(Self.number(latency.p50)),
                "p90": \(Self.number(latency.p90)),
                "p99": \(Self.number(latency.p99)),
                "p999": \(Self.number(latency.p999)),
                "max": \(Self.number(latency.max))
              },
              "connect_ms": {
                "p50": \(Self.number(connect.p50)),
                "p99": \(Self.number(connect.p99))
              },
              "errors": {
            \(errorFields)
              }
            }

            """
    }

    /// The summary for people.
    public var text: String {
        var lines: [String] = []
        let mode: String
        switch pacing {
        case .closedLoop(let thinkTime):
            mode = thinkTime == 0 ? "closed loop" : "closed loop, think time \(DurationText.describe(thinkTime))"
        case .openLoop(let rate):
            mode = "open loop at \(Self.grouped(rate)) req/s"
        }
        lines.append(
            "c10k_client: \(clientsRequested) clients → \(target), \(mode), \(requestDescription), \(Self.number(durationSeconds, decimals: 1)) s"
        )
        var connections = "  connections  \(clientsConnected) of \(clientsRequested) open at once"
        if connect.count > 0 {
            connections +=
                "; \(connect.count) connects, p50 \(Self.milliseconds(connect.p50)), p99 \(Self.milliseconds(connect.p99))"
        }
        lines.append(connections)
        lines.append(
            "  requests     \(Self.grouped(Double(requests))) correct answers, \(Self.grouped(throughput)) req/s")
        if requests > 0 {
            lines.append(
                "  latency      p50 \(Self.milliseconds(latency.p50))   p90 \(Self.milliseconds(latency.p90))   p99 \(Self.milliseconds(latency.p99))   p99.9 \(Self.milliseconds(latency.p999))   max \(Self.milliseconds(latency.max))"
            )
        }
        lines.append("  errors       \(errors.description)")
        if let heldSeconds {
            lines.append(
                "  held         \(clientsConnected) connections idle for \(Self.number(heldSeconds, decimals: 1)) s after the load"
            )
        }
        // a request or two due at the very end is no sign; more than 100 ms of them is
        if case .openLoop(let rate) = pacing, Double(unsentDueRequests) > max(10, rate / 10) {
            lines.append(
                "  note         the rate was not reached: \(Self.grouped(Double(unsentDueRequests))) due requests were never sent, every connection was waiting (\(Self.grouped(throughput)) of \(Self.grouped(rate)) req/s); the server or the client is saturated"
            )
        }
        if let firstWrongAnswer {
            lines.append("  wrong answer \(firstWrongAnswer) (the first one)")
        }
        if let shortfall {
            lines.append("  not reached  \(shortfall)")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A JSON number with at most `decimals` decimals.
    static func number(_ value: Double, decimals: Int = 3) -> String {
        guard value.isFinite else { return "0" }
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        return "\((value * scale).rounded() / scale)"
    }

    /// `0.412 ms`, `12.3 ms`, `1.52 s`.
    static func milliseconds(_ value: Double) -> String {
        if value >= 1000 { return "\(number(value / 1000, decimals: 2)) s" }
        if value >= 10 { return "\(number(value, decimals: 1)) ms" }
        return "\(number(value, decimals: 3)) ms"
    }

    /// `152,274`.
    static func grouped(_ value: Double) -> String {
        let digits = String(Int(value.rounded()))
        var result = ""
        for (index, character) in digits.reversed().enumerated() {
            if index > 0 && index % 3 == 0 && character != "-" { result.append(",") }
            result.append(character)
        }
        return String(result.reversed())
    }
}
