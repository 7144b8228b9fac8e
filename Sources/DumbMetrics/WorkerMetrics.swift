import DumbProtocol
import DumbSystem
import Prometheus

/// One event loop's or worker's share, counted in its own series and in the server's.
public final class WorkerMetrics: ConnectionMetrics {
    public let index: Int
    private let server: ServerMetrics
    private let connectionsActive: Gauge
    private let requests: Counter

    init(index: Int, server: ServerMetrics, registry: PrometheusCollectorRegistry) {
        self.index = index
        self.server = server
        connectionsActive = registry.makeGauge(
            descriptor: .named(
                "dumb_worker_connections_active", help: "Connections open now on this event loop or worker."),
            labels: [("worker", String(index))])
        requests = registry.makeCounter(
            descriptor: .named("dumb_worker_requests_total", help: "Requests answered by this event loop or worker."),
            labels: [("worker", String(index))])
        connectionsActive.set(Int64(0))
    }

    public func connectionAccepted() {
        connectionsActive.increment()
        server.connectionAccepted()
    }

    public func connectionClosed() {
        connectionsActive.decrement()
        server.connectionClosed()
    }

    public func now() -> UInt64 { SystemClock.now() }
    public func bytesReceived(_ count: Int) { server.bytesReceived(count) }
    public func bytesSent(_ count: Int) { server.bytesSent(count) }

    public func requestCompleted(_ command: Command, startedAt: UInt64, finishedAt: UInt64) {
        requests.increment()
        server.requestCompleted(command, startedAt: startedAt, finishedAt: finishedAt)
    }
}
