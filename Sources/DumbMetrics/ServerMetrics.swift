import DumbProtocol
import DumbSystem
import Prometheus

/// The metrics every DUMB server exports, under the names the dashboards use.
///
/// A server counts connections here; its ``ConnectionSession``s report bytes and finished
/// requests through ``SessionObserver``. Counters and gauges are atomics, histograms take a
/// short lock: cheap enough for every request of an event loop.
public final class ServerMetrics: ConnectionMetrics {
    public let exporter: MetricsExporter
    private var registry: PrometheusCollectorRegistry { exporter.registry }

    private let connectionsActive: Gauge
    private let connectionsAccepted: Counter
    private let connectionsRejected: Counter
    private let bytesReceivedTotal: Counter
    private let bytesSentTotal: Counter
    /// Indexed by `Command.allCases` order.
    private let requests: [Counter]
    private let durations: [DurationHistogram]

    /// Request duration buckets: from a PING on loopback (tens of µs) to the longest WAIT.
    public static let requestDurationBuckets: [Duration] = [
        .microseconds(50), .microseconds(100), .microseconds(250), .microseconds(500),
        .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
        .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(600),
    ]

    /// Event loop turn buckets: an idle turn takes microseconds, a BURN-stalled one seconds.
    public static let loopIterationBuckets: [Duration] = [
        .microseconds(10), .microseconds(50), .microseconds(100), .microseconds(500),
        .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(50), .milliseconds(100),
        .milliseconds(500), .seconds(1), .seconds(5), .seconds(10), .seconds(60),
    ]

    /// - Parameters:
    ///   - serverLabel: the `server` label of `dumb_server_info` (`iterative`, `epoll`, …).
    ///   - model: what the server demonstrates, for the `model` label.
    public init(serverLabel: String, model: String, exporter: MetricsExporter = MetricsExporter()) {
        self.exporter = exporter
        let registry = exporter.registry
        registry.makeGauge(
            descriptor: .named("dumb_server_info", help: "The server that exports these metrics (always 1)."),
            labels: [("server", serverLabel), ("model", model), ("protocol", "DUMB/1")]
        ).set(Int64(1))
        connectionsActive = registry.makeGauge(
            descriptor: .named("dumb_connections_active", help: "Connections open now."))
        connectionsAccepted = registry.makeCounter(
            descriptor: .named("dumb_connections_accepted_total", help: "Connections accepted since start."))
        connectionsRejected = registry.makeCounter(
            descriptor: .named(
                "dumb_connections_rejected_total",
                help: "Connections closed at once: out of descriptors, threads or room (select's FD_SETSIZE)."))
        bytesReceivedTotal = registry.makeCounter(
            descriptor: .named("dumb_bytes_received_total", help: "Bytes read from clients."))
        bytesSentTotal = registry.makeCounter(
            descriptor: .named("dumb_bytes_sent_total", help: "Bytes handed to the kernel for clients."))
        requests = Command.allCases.map { command in
            registry.makeCounter(
                descriptor: .named(
                    "dumb_requests_total", help: "Requests answered, by command (ERR: answered with an error)."),
                labels: [("command", command.rawValue)])
        }
        durations = Command.allCases.map { command in
            registry.makeDurationHistogram(
                descriptor: .named(
                    "dumb_request_duration_seconds",
                    help: "From a request line parsed to its last response byte handed to the kernel."),
                labels: [("command", command.rawValue)],
                buckets: Self.requestDurationBuckets)
        }
    }

    public func connectionAccepted() {
        connectionsAccepted.increment()
        connectionsActive.increment()
    }

    public func connectionClosed() {
        connectionsActive.decrement()
    }

    public func connectionRejected() {
        connectionsRejected.increment()
    }

    /// Per event loop or worker counters (workers, reactor, coroutines).
    public func worker(_ index: Int) -> WorkerMetrics {
        WorkerMetrics(index: index, server: self, registry: registry)
    }

    /// `dumb_event_loop_iteration_seconds`: one turn of an event loop, from epoll_wait's
    /// return to the next call. One histogram per process, shared by its loops.
    public func makeEventLoopIterationHistogram() -> EventLoopIterationHistogram {
        registry.makeDurationHistogram(
            descriptor: .named(
                "dumb_event_loop_iteration_seconds",
                help: "One turn of an event loop: handling what one epoll_wait returned."),
            buckets: Self.loopIterationBuckets)
    }

    // MARK: SessionObserver

    public func now() -> UInt64 { SystemClock.now() }

    public func bytesReceived(_ count: Int) {
        bytesReceivedTotal.increment(by: Int64(count))
    }

    public func bytesSent(_ count: Int) {
        bytesSentTotal.increment(by: Int64(count))
    }

    public func requestCompleted(_ command: Command, startedAt: UInt64, finishedAt: UInt64) {
        let index = Self.index(of: command)
        requests[index].increment()
        durations[index].record(.nanoseconds(Int64(finishedAt &- startedAt)))
    }

    @inline(__always)
    private static func index(of command: Command) -> Int {
        switch command {
        case .ping: 0
        case .wait: 1
        case .burn: 2
        case .stream: 3
        case .error: 4
        }
    }
}

/// The histogram of event loop turns, by a name a server can use without importing Prometheus.
public typealias EventLoopIterationHistogram = DurationHistogram
