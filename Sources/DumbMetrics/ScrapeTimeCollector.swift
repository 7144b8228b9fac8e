import Prometheus

/// Something that adds metric families at scrape time, in the Prometheus text format
/// (process and cgroup figures read from /proc and /sys when asked, not kept up to date).
public protocol ScrapeTimeCollector: Sendable {
    func emit(into output: inout [UInt8])
}
