import DumbMetrics
import LoadGenerator
import Testing

@Suite struct LatencyRecorderTests {
    @Test func intervalsMergeIntoTheTotal() throws {
        var recorder = LatencyRecorder()
        #expect(recorder.closeInterval() == nil)
        for value in 1...100 { recorder.record(UInt64(value) * 1_000_000) }  // 1 to 100 ms
        let firstInterval = recorder.closeInterval()
        let first = try #require(firstInterval)
        #expect(first.count == 100)
        #expect((49_000_000...51_000_000).contains(first.p50))
        #expect((98_000_000...100_100_000).contains(first.p99))
        recorder.record(500_000_000)
        let secondInterval = recorder.closeInterval()
        let second = try #require(secondInterval)
        #expect(second.count == 1)
        #expect(recorder.total.totalCount == 101)
        #expect(recorder.interval.totalCount == 0)
        #expect(abs(recorder.summary.max - 500) < 0.5)
        let sum: UInt64 = (1...100).reduce(0) { $0 + UInt64($1) * 1_000_000 }
        #expect(recorder.totalNanoseconds == sum + 500_000_000)
    }

    @Test func prometheusBucketsCountEachValueOnce() {
        var recorder = LatencyRecorder()
        // 40 µs, 60 µs, exactly 100 µs, 2 ms, 700 s (above every bound: +Inf only)
        for value: UInt64 in [40_000, 60_000, 100_000, 2_000_000, 700_000_000_000] { recorder.record(value) }
        recorder.closeInterval()
        let snapshot = ClientMetrics.Snapshot.loadRun(latency: recorder)
        let bounds = ClientMetrics.requestDurationBuckets
        func cumulative(atMost bound: Duration) -> UInt64 {
            snapshot.durationBucketCounts[bounds.firstIndex(of: bound)!]
        }
        #expect(cumulative(atMost: .microseconds(50)) == 1)
        #expect(cumulative(atMost: .microseconds(100)) == 3)
        #expect(cumulative(atMost: .milliseconds(1)) == 3)
        #expect(cumulative(atMost: .milliseconds(2.5)) == 4)
        #expect(cumulative(atMost: .seconds(600)) == 4)
        #expect(snapshot.durationCount == 5)
        #expect(abs(snapshot.durationSumSeconds - 700.0022) < 1e-6)
    }

    @Test func everyLabelExistsFromTheStart() {
        let snapshot = ClientMetrics.Snapshot.loadRun()
        #expect(snapshot.requests.map(\.label) == ["ok", "timeout", "reset", "closed_early", "wrong_answer"])
        #expect(snapshot.connectErrors.map(\.label) == ["refused", "timeout", "descriptors", "ports", "other"])
        #expect(snapshot.requests.allSatisfy { $0.count == 0 })
        #expect(snapshot.durationBucketCounts.count == ClientMetrics.requestDurationBuckets.count)
    }
}
