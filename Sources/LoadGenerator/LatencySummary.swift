import DumbMetrics
import DumbSystem
import Histogram

/// Percentiles of a histogram of nanoseconds, in milliseconds.
public struct LatencySummary: Equatable, Sendable {
    public var count: UInt64
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double

    public init(_ histogram: Histogram<UInt64>) {
        count = histogram.totalCount
        func milliseconds(_ nanoseconds: UInt64) -> Double { Double(nanoseconds) / 1e6 }
        if count == 0 {
            (p50, p90, p99, p999, max) = (0, 0, 0, 0, 0)
        } else {
            p50 = milliseconds(histogram.valueAtPercentile(50))
            p90 = milliseconds(histogram.valueAtPercentile(90))
            p99 = milliseconds(histogram.valueAtPercentile(99))
            p999 = milliseconds(histogram.valueAtPercentile(99.9))
            max = milliseconds(histogram.maxRecorded)
        }
    }
}
