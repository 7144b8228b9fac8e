import DumbMetrics
import DumbSystem
import Histogram

/// Latencies in nanoseconds, in HdrHistograms: one for the current second (the status
/// line's p50 and p99), merged into the one for the whole run when the second is over.
/// A response costs one `record`.
public struct LatencyRecorder: Sendable {
    /// The current interval, since the last ``closeInterval()``.
    public private(set) var interval = LatencyRecorder.makeHistogram()
    /// Every interval closed so far.
    public private(set) var total = LatencyRecorder.makeHistogram()
    /// Sum of all recorded latencies in the closed intervals (Prometheus's `_sum`).
    public private(set) var totalNanoseconds: UInt64 = 0
    private var intervalNanoseconds: UInt64 = 0
    /// Per bucket of ``ClientMetrics/requestDurationBuckets`` (not cumulative), closed intervals.
    public private(set) var bucketCounts = [UInt64](repeating: 0, count: LatencyRecorder.bucketBounds.count)

    /// The Prometheus bucket bounds in nanoseconds.
    static let bucketBounds: [UInt64] = ClientMetrics.requestDurationBuckets.map(SystemClock.nanoseconds)

    /// Three significant digits from 1 ns to an hour, and more if a latency ever needs it.
    public static func makeHistogram() -> Histogram<UInt64> {
        var histogram = Histogram<UInt64>(
            highestTrackableValue: 3_600_000_000_000, numberOfSignificantValueDigits: .three)
        histogram.autoResize = true
        return histogram
    }

    public init() {}

    @inline(__always)
    public mutating func record(_ nanoseconds: UInt64) {
        interval.record(nanoseconds)
        intervalNanoseconds &+= nanoseconds
    }

    /// Ends the interval: its values join the total and the Prometheus buckets; returns its
    /// p50 and p99 (nil when it recorded nothing).
    @discardableResult
    public mutating func closeInterval() -> (count: UInt64, p50: UInt64, p99: UInt64)? {
        let count = interval.totalCount
        guard count > 0 else { return nil }
        let figures = (count, interval.valueAtPercentile(50), interval.valueAtPercentile(99))
        // Each value counts in the first bucket whose bound it does not exceed, to within the
        // histogram's resolution (0.1%): the ranges below start where the last one ended.
        var low: UInt64 = 0
        for (index, bound) in Self.bucketBounds.enumerated() where low <= bound {
            bucketCounts[index] += interval.count(within: low...bound)
            low = interval.highestEquivalentForValue(bound) + 1
        }
        total.add(interval)
        totalNanoseconds &+= intervalNanoseconds
        intervalNanoseconds = 0
        interval.reset()
        return figures
    }

    /// The run's figures in milliseconds (closed intervals).
    public var summary: LatencySummary {
        LatencySummary(total)
    }
}
