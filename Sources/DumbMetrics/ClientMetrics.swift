import DumbSystem

/// The load generator's metrics (`c10k_client`), under the names the dashboards use:
///
/// - `c10k_client_connections_active`: connections open and usable now;
/// - `c10k_client_requests_total{outcome}`: requests by how they ended (`ok`, `wrong_answer`,
///   `timeout`, …);
/// - `c10k_client_request_duration_seconds`: histogram of the latency of the correct answers,
///   with the buckets of the servers' `dumb_request_duration_seconds`, so client-side and
///   server-side latency compare on one panel;
/// - `c10k_client_connect_errors_total{reason}`: failed connects (`refused`, `timeout`, …);
///
/// plus the process and cgroup figures every process of the lab exports.
///
/// The client's event loop counts everything itself, without a lock or an atomic per
/// request, and hands a ``Snapshot`` over with ``publish(_:)`` (once a second): a scrape
/// sees figures at most that old.
public final class ClientMetrics: Sendable {
    /// A count with its label value.
    public struct LabeledCount: Equatable, Sendable {
        public var label: String
        public var count: UInt64
        public init(_ label: String, _ count: UInt64) {
            self.label = label
            self.count = count
        }
    }

    /// Everything the client exports, as its loop counted it.
    public struct Snapshot: Equatable, Sendable {
        public var connectionsActive = 0
        /// By `outcome`, in a stable order.
        public var requests: [LabeledCount] = []
        /// By `reason`, in a stable order.
        public var connectErrors: [LabeledCount] = []
        /// Answers with a latency at most each bound of ``ClientMetrics/requestDurationBuckets``
        /// (cumulative, as Prometheus counts them).
        public var durationBucketCounts: [UInt64] = []
        public var durationCount: UInt64 = 0
        public var durationSumSeconds = 0.0
        public init() {}
    }

    /// The servers' request duration buckets.
    public static let requestDurationBuckets: [Duration] = ServerMetrics.requestDurationBuckets

    public let exporter: MetricsExporter
    private let published: PublishedSnapshot

    /// - Parameter initial: what a scrape shows before the first ``publish(_:)`` (every label
    ///   with a zero count, so each series exists from the start).
    public init(initial: Snapshot, collectors: [any ScrapeTimeCollector] = MetricsExporter.standardCollectors) {
        published = PublishedSnapshot(initial)
        exporter = MetricsExporter(collectors: collectors + [published])
    }

    /// Makes `snapshot` what the next scrape shows.
    public func publish(_ snapshot: Snapshot) {
        published.snapshot.withLock { $0 = snapshot }
    }
}

private final class PublishedSnapshot: ScrapeTimeCollector {
    let snapshot: Locked<ClientMetrics.Snapshot>

    init(_ initial: ClientMetrics.Snapshot) {
        snapshot = Locked(initial)
    }

    func emit(into output: inout [UInt8]) {
        let figures = snapshot.withLock { $0 }
        var writer = TextFormatWriter()
        writer.family(
            "c10k_client_connections_active", type: "gauge",
            help: "Connections of the load generator that are open and usable now.")
        writer.sample("c10k_client_connections_active", Double(figures.connectionsActive))
        writer.family(
            "c10k_client_requests_total", type: "counter",
            help:
                "Requests by how they ended: ok (a correct answer), wrong_answer, timeout, reset, closed_early (the server closed first)."
        )
        for request in figures.requests {
            writer.sample("c10k_client_requests_total", [("outcome", request.label)], Double(request.count))
        }
        writer.family(
            "c10k_client_request_duration_seconds", type: "histogram",
            help:
                "Latency of correct answers, seen by the client: from the request's send (open loop: its intended send) to the answer's last byte."
        )
        for (bound, count) in zip(ClientMetrics.requestDurationBuckets, figures.durationBucketCounts) {
            writer.sample(
                "c10k_client_request_duration_seconds_bucket", [("le", Self.seconds(bound))], Double(count))
        }
        writer.sample(
            "c10k_client_request_duration_seconds_bucket", [("le", "+Inf")], Double(figures.durationCount))
        writer.sample("c10k_client_request_duration_seconds_sum", figures.durationSumSeconds)
        writer.sample("c10k_client_request_duration_seconds_count", Double(figures.durationCount))
        writer.family(
            "c10k_client_connect_errors_total", type: "counter",
            help:
                "Connects that failed, by reason: refused, timeout, descriptors (out of file descriptors), ports (out of local ports), other (a reset during the handshake, an unreachable host)."
        )
        for failure in figures.connectErrors {
            writer.sample("c10k_client_connect_errors_total", [("reason", failure.label)], Double(failure.count))
        }
        output.append(contentsOf: writer.output)
    }

    /// A bucket bound in seconds, in decimal: `0.00005`, `2.5`, `600`.
    static func seconds(_ duration: Duration) -> String {
        let nanoseconds = SystemClock.nanoseconds(duration)
        let whole = nanoseconds / 1_000_000_000
        var fraction = String(nanoseconds % 1_000_000_000)
        guard fraction != "0" else { return String(whole) }
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return "\(whole).\(fraction)"
    }
}
