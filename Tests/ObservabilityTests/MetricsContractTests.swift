import DumbTestSupport
import Foundation
import Testing

/// Every server's and the client's `GET /metrics`: the contract's names, the Prometheus text
/// format as promtool reads it, and an endpoint that answers while the server is busy.
@Suite("the metrics contract, in every server and the client")
struct MetricsContractTests {
    /// Servers with an event loop record `dumb_event_loop_iteration_seconds` (dumb_nio
    /// leaves it out: SwiftNIO does not expose one turn of its loop).
    static let eventLoopServers: Set = [
        "select_chat", "epoll_chat", "dumb_epoll", "dumb_epoll_workers", "dumb_reactor", "dumb_coro",
    ]
    /// Servers with several loops or workers export `dumb_worker_*{worker}`.
    static let workerServers: Set = ["dumb_epoll_workers", "dumb_reactor", "dumb_coro", "dumb_nio"]

    static let common = [
        "dumb_server_info", "dumb_connections_active", "dumb_connections_accepted_total",
        "dumb_connections_rejected_total", "dumb_bytes_received_total", "dumb_bytes_sent_total",
        "process_cpu_seconds_total", "process_resident_memory_bytes", "process_virtual_memory_bytes",
        "process_open_fds", "process_max_fds", "process_start_time_seconds", "dumb_process_threads",
        "dumb_process_cpu_seconds_total", "dumb_process_context_switches_total", "dumb_cgroup_memory_usage_bytes",
        "dumb_cgroup_memory_events_total", "dumb_cgroup_cpus",
    ]

    @Test("a DUMB server's /metrics carries the contract", arguments: ServerUnderTest.all)
    func dumbServer(server: ServerUnderTest) throws {
        let process = try ServerProcess.startWithMetrics(server.binary, arguments: server.arguments)
        let client = try TestClient(port: process.port)
        try client.send("PING\nBURN 10\nSTREAM 10\nWAIT 1\nNOPE\n")
        for _ in 0..<6 { _ = try client.readLine() }
        client.shutdownWrite()
        _ = try client.waitForClose()
        // the last response bytes are counted when handed to the kernel: wait for the counter
        var metrics = try process.scrapeMetrics()
        _ = try eventually { () throws -> Bool in
            metrics = try process.scrapeMetrics()
            return metrics[#"dumb_requests_total{command="WAIT"}"#] == 1
        }
        var names = Self.common + ["dumb_requests_total", "dumb_request_duration_seconds_bucket"]
        if Self.eventLoopServers.contains(server.binary) { names.append("dumb_event_loop_iteration_seconds_bucket") }
        if Self.workerServers.contains(server.binary) {
            names += ["dumb_worker_connections_active", "dumb_worker_requests_total"]
        }
        for name in names { #expect(!metrics.series(name).isEmpty, "\(server.binary) lacks \(name)") }
        for command in ["PING", "BURN", "STREAM", "WAIT", "ERR"] {
            #expect(metrics[#"dumb_requests_total{command="\#(command)"}"#] == 1, "\(server.binary): \(command)")
        }
        #expect(metrics.series("dumb_server_info").keys.contains { $0.contains(#"server=""#) })
    }

    @Test(
        "a DUMB server's /metrics passes promtool after serving every command",
        .enabled(if: TestTools.hasPromtool, Comment(rawValue: TestTools.promtoolMissing)),
        arguments: ServerUnderTest.all)
    func dumbServerPromtool(server: ServerUnderTest) throws {
        let process = try ServerProcess.startWithMetrics(server.binary, arguments: server.arguments)
        let client = try TestClient(port: process.port)
        try client.send("PING\nBURN 10\nSTREAM 10\nWAIT 1\nNOPE\n")
        for _ in 0..<6 { _ = try client.readLine() }
        #expect(try TestTools.promtoolProblems(process.scrapeMetrics().text) == "", "\(server.binary)")
    }

    @Test(
        "promtool finds what is wrong in an exposition (the check above can fail)",
        .enabled(if: TestTools.hasPromtool, Comment(rawValue: TestTools.promtoolMissing)))
    func promtoolHasTeeth() throws {
        let broken =
            "# TYPE dumb_requests_total counter\ndumb_requests_total{command=\"PING\"} 1\n"
            + "# TYPE dumb_requests_total gauge\ndumb_requests_total 2\n"
        #expect(try TestTools.promtoolProblems(broken) != "")
    }

    @Test("a chat server's /metrics carries the contract", arguments: ServerUnderTest.chat)
    func chatServer(server: ServerUnderTest) throws {
        let process = try ServerProcess.startWithMetrics(server.binary, arguments: server.arguments)
        let client = try TestClient(port: process.port)
        #expect(try client.readLine()?.hasPrefix("WELCOME") == true)
        let metrics = try process.scrapeMetrics()
        for name in Self.common + ["dumb_event_loop_iteration_seconds_bucket"] {
            #expect(!metrics.series(name).isEmpty, "\(server.binary) lacks \(name)")
        }
        #expect(metrics["dumb_connections_active"] == 1)
    }

    @Test(
        "a chat server's /metrics passes promtool",
        .enabled(if: TestTools.hasPromtool, Comment(rawValue: TestTools.promtoolMissing)),
        arguments: ServerUnderTest.chat)
    func chatServerPromtool(server: ServerUnderTest) throws {
        let process = try ServerProcess.startWithMetrics(server.binary, arguments: server.arguments)
        let client = try TestClient(port: process.port)
        #expect(try client.readLine()?.hasPrefix("WELCOME") == true)
        #expect(try TestTools.promtoolProblems(process.scrapeMetrics().text) == "", "\(server.binary)")
    }

    @Test("the iterative server answers a scrape while it is inside a WAIT")
    func iterativeDuringWait() throws {
        let process = try ServerProcess.startWithMetrics("dumb_iterative")
        let waiting = try TestClient(port: process.port)
        try waiting.send("WAIT 20000\n")
        // the WAIT has begun when its connection is counted; then the protocol port is stuck
        #expect(try eventually { try process.scrapeMetrics()["dumb_connections_active"] == 1 })
        let blocked = try TestClient(port: process.port)
        try blocked.send("PING\n")
        #expect(!blocked.isReadable(within: 0.3), "the iterative server answered a PING during a WAIT")
        let metrics = try process.scrapeMetrics()
        #expect(metrics[#"dumb_requests_total{command="WAIT"}"#] == 0, "the WAIT is still running")
        #expect(metrics["dumb_process_threads"] == 2, "the serving thread and the metrics thread")
    }

    @Test("the endpoint is never on the protocol port, and serves only GET /metrics")
    func endpointIsSeparate() throws {
        let process = try ServerProcess.startWithMetrics("dumb_epoll")
        let client = try TestClient(port: process.port)
        try client.send("GET /metrics HTTP/1.1\r\n\r\n")
        #expect(try client.readLine() == "ERR unknown command")
        let other = try TestClient(port: try #require(process.metricsPort))
        try other.send("GET /nothing HTTP/1.1\r\n\r\n")
        _ = try other.waitForClose()
        #expect(other.unread.hasPrefix("HTTP/1.1 404"))
    }
}
