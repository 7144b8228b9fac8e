import DumbProtocol
import DumbSystem
import Prometheus

extension MetricNameDescriptor {
    /// A descriptor for a metric whose whole name is given (`dumb_requests_total`).
    static func named(_ name: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
