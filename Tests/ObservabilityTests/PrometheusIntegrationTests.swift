import DumbSystem
import DumbTestSupport
import Foundation
import Testing

/// A real Prometheus (Debian's) on the project's own prometheus.yml, scraping a loaded
/// server, node-exporter and c10k_client on the lab's default loopback ports: every PromQL
/// expression of every dashboard panel, and every recording rule, must return data.
@Suite("a real Prometheus gives data to every panel", .serialized)
struct PrometheusIntegrationTests {
    static let prometheus = "/usr/bin/prometheus"
    static let nodeExporter = "/usr/bin/prometheus-node-exporter"
    /// The lab's ports, as prometheus.yml names them.
    static let ports = [8090, 8091, 8092, 9090, 9100]

    /// What Grafana puts in place of its variables for a 15-minute dashboard at a 2 s scrape
    /// interval: $__rate_interval is at least four scrape intervals.
    static func substitute(_ expression: String) -> String {
        expression.replacingOccurrences(of: "$__rate_interval", with: "10s")
            .replacingOccurrences(of: "$__interval", with: "2s").replacingOccurrences(of: "$__range", with: "15m")
    }

    /// An instant query; the number of series it returned.
    static func query(_ expression: String) throws -> Int {
        var components = URLComponents(string: "http://127.0.0.1:9090/api/v1/query")!
        components.queryItems = [URLQueryItem(name: "query", value: expression)]
        let result = try runShell("curl -fsS --max-time 10 '\(components.url!.absoluteString)'")
        guard result.status == 0, let data = result.output.data(using: .utf8),
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any],
            json["status"] as? String == "success", let payload = json["data"] as? [String: Any]
        else { throw TestFailure("Prometheus refused \(expression): \(result.output)") }
        return (payload["result"] as? [Any])?.count ?? 0
    }

    @Test(.enabled(if: prometheusInstalled, "needs Debian's prometheus and prometheus-node-exporter"))
    func everyDashboardQueryAndRecordingRuleReturnsData() throws {
        for port in Self.ports {
            if (try? Socket.connect(host: "127.0.0.1", port: port)).map({ Socket.close($0.descriptor) }) != nil {
                throw TestFailure(
                    "127.0.0.1:\(port) is in use: this test runs the lab on its default ports; stop the lab (docker compose --profile '*' down) first"
                )
            }
        }
        let storage = NSTemporaryDirectory() + "c10k-lab-prometheus-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: storage) }
        let logs = NSTemporaryDirectory() + "c10k-lab-observability-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: logs, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: logs) }
        let environment = ProcessInfo.processInfo.environment

        let exporter = try ChildProcess(
            Self.nodeExporter, arguments: ["--web.listen-address=127.0.0.1:9100"], environment: environment,
            outputPath: logs + "/node-exporter.log")
        // the server in a memory cgroup of its own, so the limit panel has a limit to show
        let cgroup = try TestCgroup(memoryLimit: 512 << 20)
        defer { cgroup.remove() }
        let server = try ServerProcess.start(
            "dumb_epoll_workers", arguments: ["--port", "8090", "--metrics-port", "8091", "--workers", "2"],
            launcher: cgroup.launcher)
        let client = try ServerProcess(
            "c10k_client",
            arguments: [
                "300", "--mix", "PING=50,BURN 10000=30,STREAM 4096=10,WAIT 5=10", "--metrics-port", "8092",
                "--duration", "120s", "--quiet",
            ])
        let prometheus = try ChildProcess(
            Self.prometheus,
            arguments: [
                "--config.file=\(DashboardFilesTests.root.path)/prometheus/prometheus.yml",
                "--storage.tsdb.path=\(storage)", "--web.listen-address=127.0.0.1:9090",
            ], environment: environment, outputPath: logs + "/prometheus.log")
        defer {
            kill(prometheus.pid, SIGTERM)
            _ = prometheus.waitForExit(timeout: 30)
            client.stop()
            server.stop()
            kill(exporter.pid, SIGTERM)
            _ = exporter.waitForExit(timeout: 30)
        }

        // every target is up, and the rate windows (10 s) hold enough samples
        for job in ["prometheus", "node", "dumb-server"] {
            #expect(
                eventually(timeout: 90) { (try? Self.query("up{job=\"\(job)\"} == 1")) == 1 },
                "\(job) is not up: \(prometheus.output.suffix(2000))")
        }
        #expect(eventually(timeout: 90) { (try? Self.query(#"up{instance="127.0.0.1:8092"} == 1"#)) == 1 })
        #expect(eventually(timeout: 90) { (try? Self.query("sum(rate(dumb_requests_total[10s])) > 0")) == 1 })

        var expressions: [(dashboard: String, panel: String, expression: String)] = []
        for (name, json) in try DashboardFilesTests.dashboards() {
            for panel in DashboardFilesTests.panels(json) {
                for target in panel["targets"] as? [[String: Any]] ?? [] {
                    guard let expression = target["expr"] as? String else { continue }
                    expressions.append((name, panel["title"] as? String ?? "?", expression))
                }
            }
        }
        #expect(expressions.count > 40)
        for (dashboard, panel, expression) in expressions {
            let concrete = Self.substitute(expression)
            // a refused expression throws here, with Prometheus's reason
            let found = try eventually(timeout: 60) { try Self.query(concrete) > 0 }
            #expect(found, "no data for \(dashboard) / \(panel): \(concrete)")
        }
        for rule in try Self.recordingRules() {
            #expect(try eventually(timeout: 60) { try Self.query(rule) > 0 }, "no data for the recording rule \(rule)")
        }
        #expect(client.isRunning, "the client ended early: \(client.log.suffix(2000))")
        _ = server
    }

    /// The `record:` names of prometheus/rules.
    static func recordingRules() throws -> [String] {
        let folder = DashboardFilesTests.root.appendingPathComponent("prometheus/rules")
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yml") }
            .flatMap { file in
                try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8).split(separator: "\n")
                    .compactMap { line -> String? in
                        let trimmed = line.trimmingCharacters(in: .whitespaces)
                        guard trimmed.hasPrefix("- record:") else { return nil }
                        return trimmed.dropFirst("- record:".count).trimmingCharacters(in: .whitespaces)
                    }
            }
    }
}

let prometheusInstalled =
    FileManager.default.isExecutableFile(atPath: PrometheusIntegrationTests.prometheus)
    && FileManager.default.isExecutableFile(atPath: PrometheusIntegrationTests.nodeExporter)
