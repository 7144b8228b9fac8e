import Prometheus

/// A process's metrics: a swift-prometheus registry plus the collectors read at scrape time.
/// ``render()`` is what `GET /metrics` answers.
public final class MetricsExporter: Sendable {
    public let registry: PrometheusCollectorRegistry
    private let collectors: [any ScrapeTimeCollector]

    public init(
        registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(),
        collectors: [any ScrapeTimeCollector] = MetricsExporter.standardCollectors
    ) {
        self.registry = registry
        self.collectors = collectors
    }

    /// The process and cgroup collectors every server and the client export.
    public static var standardCollectors: [any ScrapeTimeCollector] {
        [ProcessCollector(), CgroupCollector()]
    }

    /// Every metric, in the Prometheus text exposition format 0.0.4.
    public func render() -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(16 * 1024)
        registry.emit(into: &output)
        for collector in collectors { collector.emit(into: &output) }
        return output
    }
}
