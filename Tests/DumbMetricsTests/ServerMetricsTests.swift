import DumbMetrics
import DumbProtocol
import DumbTestSupport
import Glibc
import Testing

@Suite struct ServerMetricsTests {
    func text(_ metrics: ServerMetrics) -> String {
        String(decoding: metrics.exporter.render(), as: UTF8.self)
    }

    @Test func theContractNamesAreExported() {
        let metrics = ServerMetrics(serverLabel: "epoll", model: "one event loop")
        metrics.connectionAccepted()
        metrics.connectionAccepted()
        metrics.connectionClosed()
        metrics.connectionRejected()
        metrics.bytesReceived(10)
        metrics.bytesSent(7)
        metrics.requestCompleted(.ping, startedAt: 1_000, finishedAt: 51_000)
        let worker = metrics.worker(1)
        worker.connectionAccepted()
        worker.requestCompleted(.burn, startedAt: 0, finishedAt: 2_000_000)
        let output = text(metrics)
        for line in [
            #"dumb_server_info{server="epoll",model="one event loop",protocol="DUMB/1"} 1.0"#,
            "dumb_connections_active 2.0",
            "dumb_connections_accepted_total 3",
            "dumb_connections_rejected_total 1",
            "dumb_bytes_received_total 10",
            "dumb_bytes_sent_total 7",
            #"dumb_requests_total{command="PING"} 1"#,
            #"dumb_requests_total{command="BURN"} 1"#,
            #"dumb_requests_total{command="ERR"} 0"#,
            #"dumb_request_duration_seconds_bucket{command="PING",le="0.00005"} 1"#,
            #"dumb_request_duration_seconds_bucket{command="BURN",le="0.001"} 0"#,
            #"dumb_request_duration_seconds_bucket{command="BURN",le="0.0025"} 1"#,
            #"dumb_worker_connections_active{worker="1"} 1.0"#,
            #"dumb_worker_requests_total{worker="1"} 1"#,
        ] {
            #expect(output.contains(line + "\n"), "missing: \(line)")
        }
    }

    @Test func processAndCgroupFiguresAreExported() throws {
        let output = text(ServerMetrics(serverLabel: "iterative", model: "test"))
        for name in [
            "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
            "process_open_fds", "process_max_fds", "process_start_time_seconds", "dumb_process_threads",
            #"dumb_process_cpu_seconds_total{mode="user"}"#, #"dumb_process_cpu_seconds_total{mode="system"}"#,
            #"dumb_process_context_switches_total{kind="voluntary"}"#,
            #"dumb_process_context_switches_total{kind="involuntary"}"#,
            "dumb_cgroup_memory_usage_bytes", "dumb_cgroup_cpus",
        ] {
            #expect(output.contains("\n" + name), "missing: \(name)")
        }
        let start = try #require(output.split(separator: "\n").first { $0.hasPrefix("process_start_time_seconds ") })
        let seconds = try #require(Double(start.split(separator: " ")[1]))
        #expect(abs(seconds - Double(time(nil))) < 24 * 3600, "the start time is not near now: \(seconds)")
    }
}
