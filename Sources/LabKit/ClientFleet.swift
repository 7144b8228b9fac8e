import DumbMetrics
import DumbSystem
import Foundation
import Glibc

/// The c10k_client processes an experiment starts, each holding its share of the
/// connections: a step of the memory experiment adds one (the earlier ones keep theirs,
/// idle), a run of the compare experiment is one.
final class ClientFleet {
    struct Client {
        let pid: Int32
        let metricsPort: Int
        let connections: Int
        let started: UInt64
    }

    /// What every client's metrics say, added up.
    struct Figures: Codable, Sendable, Equatable {
        /// Connections open now.
        var open = 0
        /// Errors by kind: `connect_refused`, `connect_timeout`, …, `timeout`, `reset`, `closed_early`, `wrong_answer`.
        var errors: [String: Int] = [:]
        /// Clients whose metrics did not answer (ended, or too busy).
        var silent = 0

        var errorCount: Int { errors.values.reduce(0, +) }
    }

    private(set) var clients: [Client] = []
    let binary: String
    let cpus: [Int]

    init(cpus: [Int]) throws {
        binary = try ServerCatalog.requirePath(of: "c10k_client")
        self.cpus = cpus
    }

    /// Starts a client with `connections` connections to 127.0.0.1:`port`, loading them with
    /// `request` for `loadSeconds` (the connects included), then, with `holdSeconds`,
    /// keeping them open and idle that long.
    @discardableResult
    func start(
        connections: Int, port: Int, request: String, loadSeconds: Double, holdSeconds: Double?,
        json: String? = nil, log: String?
    ) throws -> Client {
        let metricsPort = try freeLoopbackPort()
        var arguments = [
            String(connections), "--port", String(port), "--request", request, "--duration",
            "\(Int(loadSeconds * 1000))ms",
            "--metrics-port", String(metricsPort), "--timeout", "5s", "--quiet",
        ]
        if let holdSeconds { arguments += ["--hold", "\(Int(holdSeconds))s"] }
        if let json { arguments += ["--json", json] }
        var spawn = SpawnRequest(program: binary, arguments: arguments)
        spawn.cpus = cpus
        spawn.outputFile = log
        let pid = try Spawn.start(spawn)
        let client = Client(pid: pid, metricsPort: metricsPort, connections: connections, started: SystemClock.now())
        clients.append(client)
        return client
    }

    /// Every client's metrics, added up.
    func figures() -> Figures {
        var figures = Figures()
        for client in clients {
            guard let scrape = MetricsScrape.fetch(port: client.metricsPort) else {
                figures.silent += 1
                continue
            }
            figures.open += Int(scrape.total("c10k_client_connections_active"))
            for (series, value) in scrape.values where value > 0 {
                if let reason = Self.label(series, of: "c10k_client_connect_errors_total", key: "reason") {
                    figures.errors["connect_" + reason, default: 0] += Int(value)
                } else if let outcome = Self.label(series, of: "c10k_client_requests_total", key: "outcome"),
                    outcome != "ok"
                {
                    figures.errors[outcome, default: 0] += Int(value)
                }
            }
        }
        return figures
    }

    /// Waits until a client's metrics endpoint answers (it started), up to `timeout` seconds.
    func waitUntilServing(_ client: Client, timeout: Double = 10) -> Bool {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while SystemClock.now() < deadline {
            if MetricsScrape.fetch(port: client.metricsPort) != nil { return true }
            if (try? Spawn.poll(client.pid)) != nil { return false }
            usleep(50_000)
        }
        return false
    }

    /// Waits for `client` to exit by itself (its load is over); nil after `timeout` seconds.
    func waitForExit(_ client: Client, timeout: Double) -> Termination? {
        let deadline = SystemClock.now() + UInt64(timeout * 1e9)
        while SystemClock.now() < deadline {
            if let termination = try? Spawn.poll(client.pid) { return termination }
            usleep(50_000)
        }
        return nil
    }

    /// Stops every client (SIGTERM: each closes its connections and exits), and reaps them.
    func stopAll() {
        for client in clients { kill(client.pid, SIGTERM) }
        for client in clients where (try? Spawn.poll(client.pid)) == nil {
            if waitForExit(client, timeout: 10) == nil {
                kill(client.pid, SIGKILL)
                _ = try? Spawn.wait(client.pid)
            }
        }
        clients.removeAll()
    }

    /// The value of `key` in `series` when it is a series of `name` (`name{key="value"}`).
    static func label(_ series: String, of name: String, key: String) -> String? {
        guard series.hasPrefix(name + "{"), let range = series.range(of: key + "=\"") else { return nil }
        let rest = series[range.upperBound...]
        return rest.firstIndex(of: "\"").map { String(rest[..<$0]) }
    }
}
