import Prometheus

/// Something that adds metric families at scrape time, in the Prometheus text format
/// (process and cgroup figures read from /proc and /sys when asked, not kept up to date).
public protocol ScrapeTimeCollector: Sendable {
    func emit(into output: inout [UInt8])
}

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

/// Writes metric families in the text format, for the scrape-time collectors.
struct TextFormatWriter {
    var output: [UInt8] = []

    mutating func family(_ name: String, type: String, help: String) {
        output.append(contentsOf: "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n".utf8)
    }

    mutating func sample(_ name: String, _ value: Double) {
        sample(name, [], value)
    }

    mutating func sample(_ name: String, _ labels: [(String, String)], _ value: Double) {
        output.append(contentsOf: name.utf8)
        if !labels.isEmpty {
            output.append(contentsOf: "{".utf8)
            output.append(
                contentsOf: labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",").utf8)
            output.append(contentsOf: "}".utf8)
        }
        output.append(contentsOf: " ".utf8)
        output.append(contentsOf: format(value).utf8)
        output.append(contentsOf: "\n".utf8)
    }

    private func format(_ value: Double) -> String {
        if value == value.rounded() && abs(value) < 1e15 { return String(Int64(value)) }
        return "\(value)"
    }

    private func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
