import DumbMetrics

extension ClientMetrics.Snapshot {
    /// The figures of a run for `/metrics`, every label of both counters included, zero or
    /// not, so that each series exists from the start.
    ///
    /// - Parameters:
    ///   - answered: correct answers.
    ///   - requestOutcomes: failed requests by ``ErrorKind/rawValue`` (nil: none).
    ///   - errors: every error, connects included.
    public static func loadRun(
        connected: Int = 0, answered: UInt64 = 0, requestOutcomes: [UInt64]? = nil, errors: ErrorCounts = ErrorCounts(),
        latency: LatencyRecorder = LatencyRecorder()
    ) -> Self {
        var snapshot = Self()
        snapshot.connectionsActive = connected
        snapshot.requests = [ClientMetrics.LabeledCount("ok", answered)]
        for kind in ErrorKind.allCases where !kind.isConnectError {
            snapshot.requests.append(.init(kind.metricLabel, requestOutcomes?[kind.rawValue] ?? 0))
        }
        snapshot.connectErrors = ErrorKind.allCases.filter(\.isConnectError).map { .init($0.metricLabel, errors[$0]) }
        var cumulative: UInt64 = 0
        snapshot.durationBucketCounts = latency.bucketCounts.map { count in
            cumulative += count
            return cumulative
        }
        snapshot.durationCount = latency.total.totalCount
        snapshot.durationSumSeconds = Double(latency.totalNanoseconds) / 1e9
        return snapshot
    }
}
