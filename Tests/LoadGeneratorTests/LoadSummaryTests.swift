import Foundation
import LoadGenerator
import Testing

@Suite struct LoadSummaryTests {
    func summary() -> LoadSummary {
        var latency = LatencyRecorder()
        for microseconds in 1...1000 { latency.record(UInt64(microseconds) * 1000) }
        latency.closeInterval()
        var connects = LatencyRecorder()
        connects.record(2_000_000)
        connects.closeInterval()
        var errors = ErrorCounts()
        errors[.timeout] = 3
        errors[.wrongAnswer] = 1
        return LoadSummary(
            clientsRequested: 100, clientsConnected: 99, requests: 1000, durationSeconds: 2,
            latency: latency.summary, connect: connects.summary, errors: errors)
    }

    @Test func theJSONHasExactlyTheDocumentedKeys() throws {
        let data = Data(summary().json.utf8)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "clients_requested", "clients_connected", "requests", "throughput_rps", "duration_s", "latency_ms",
                "connect_ms", "errors",
            ])
        let latency = try #require(object["latency_ms"] as? [String: Double])
        #expect(Set(latency.keys) == ["p50", "p90", "p99", "p999", "max"])
        #expect(abs(latency["p50"]! - 0.5) < 0.01)
        #expect(abs(latency["p99"]! - 0.99) < 0.01)
        #expect(abs(latency["max"]! - 1.0) < 0.01)
        let connect = try #require(object["connect_ms"] as? [String: Double])
        #expect(Set(connect.keys) == ["p50", "p99"])
        #expect(abs(connect["p50"]! - 2) < 0.01)
        let errors = try #require(object["errors"] as? [String: Int])
        #expect(
            Set(errors.keys) == [
                "refused", "connect_timeout", "descriptors", "ports", "connect_failed", "timeout", "reset",
                "closed_early", "wrong_answer",
            ])
        #expect(errors["timeout"] == 3 && errors["wrong_answer"] == 1 && errors["refused"] == 0)
        #expect(object["clients_requested"] as? Int == 100)
        #expect(object["clients_connected"] as? Int == 99)
        #expect(object["requests"] as? Int == 1000)
        #expect(object["throughput_rps"] as? Double == 500)
        #expect(object["duration_s"] as? Double == 2)
    }

    @Test func theTextSaysWhatWentWrong() {
        var summary = summary()
        summary.target = "127.0.0.1:8090"
        summary.requestDescription = "\"BURN 1000\""
        summary.shortfall = "99 of 100 connections were open at once. Limited by: file descriptors"
        let text = summary.text
        #expect(text.contains("100 clients → 127.0.0.1:8090, closed loop, \"BURN 1000\", 2.0 s"))
        #expect(text.contains("99 of 100 open at once"))
        #expect(text.contains("1,000 correct answers, 500 req/s"))
        #expect(text.contains("p99.9"))
        #expect(text.contains("errors       timeout 3, wrong_answer 1"))
        #expect(text.contains("not reached  99 of 100"))
        #expect(!summary.succeeded)
    }

    @Test func anOpenLoopThatFellBehindSaysSo() {
        var summary = summary()
        summary.pacing = .openLoop(requestsPerSecond: 1000)
        summary.unsentDueRequests = 5
        #expect(summary.text.contains("open loop at 1,000 req/s"))
        #expect(!summary.text.contains("the rate was not reached"), "a few requests due at the very end")
        summary.unsentDueRequests = 700
        #expect(summary.text.contains("the rate was not reached: 700 due requests were never sent"))
    }

    @Test func successNeedsEveryConnectionAnswersAndNoError() {
        var summary = summary()
        summary.errors = ErrorCounts()
        #expect(!summary.succeeded, "one connection short")
        summary.clientsConnected = 100
        #expect(summary.succeeded)
        summary.requests = 0
        #expect(!summary.succeeded, "no answer at all")
    }

    @Test func statusLines() {
        var errors = ErrorCounts()
        let report = StatusReport(
            elapsedSeconds: 3.01, connected: 9000, clients: 10000, requestsPerSecond: 152_274.4, p50: 0.4123,
            p99: 12.34, errors: errors, backlog: 0)
        #expect(
            StatusPrinter.format(report)
                == "[   3s] connected 9000/10000 | 152,274 req/s | p50 0.412 ms  p99 12.3 ms | errors 0")
        errors[.refused] = 2
        var failing = report
        failing.errors = errors
        failing.p50 = nil
        failing.backlog = 1500
        #expect(
            StatusPrinter.format(failing)
                == "[   3s] connected 9000/10000 | 152,274 req/s | no answers | 1,500 due, unsent | errors 2 (refused 2)"
        )
    }
}
