import ArgumentParser
import DumbCommandLine
import Logging

/// The command line every DUMB and chat server shares. Each option also comes from the
/// environment (`DUMB_PORT=9000 dumb_epoll`), for containers; the command line wins.
public struct ServerOptions: ParsableArguments, Sendable {
    @Option(help: "Address to listen on; 0.0.0.0 for every interface. (env: DUMB_HOST)")
    public var host: String = EnvironmentDefault.string("DUMB_HOST") ?? "127.0.0.1"

    @Option(help: "TCP port of the protocol; 0 lets the kernel choose (logged). (env: DUMB_PORT)")
    public var port: Int = EnvironmentDefault.integer("DUMB_PORT") ?? 8090

    @Option(
        name: .customLong("metrics-port"),
        help: "Port of the Prometheus endpoint GET /metrics, on --host; 0 turns it off. (env: DUMB_METRICS_PORT)")
    public var metricsPort: Int = EnvironmentDefault.integer("DUMB_METRICS_PORT") ?? 8091

    @Option(help: "Length of the queue of connections the kernel accepts before the server does. (env: DUMB_BACKLOG)")
    public var backlog: Int = EnvironmentDefault.integer("DUMB_BACKLOG") ?? 4096

    @Option(
        name: .customLong("log-level"),
        help: "trace, debug, info, notice, warning, error or critical; to stderr. (env: DUMB_LOG_LEVEL)")
    public var logLevel: String = EnvironmentDefault.string("DUMB_LOG_LEVEL") ?? "info"

    public init() {}

    public mutating func validate() throws {
        try EnvironmentDefault.checkIntegers(["DUMB_PORT", "DUMB_METRICS_PORT", "DUMB_BACKLOG"])
        guard (0...65535).contains(port) else {
            throw ValidationError("--port \(port) is not a TCP port: give 0 to 65535 (8090 is the lab's).")
        }
        guard (0...65535).contains(metricsPort) else {
            throw ValidationError("--metrics-port \(metricsPort) is not a TCP port: give 0 (off) to 65535.")
        }
        guard metricsPort == 0 || metricsPort != port else {
            throw ValidationError("--metrics-port and --port are both \(port): give them different ports.")
        }
        guard backlog > 0 else {
            throw ValidationError("--backlog must be at least 1 (the kernel caps it at net.core.somaxconn).")
        }
        guard Logger.Level(rawValue: logLevel.lowercased()) != nil else {
            throw ValidationError(
                "--log-level '\(logLevel)' is not a level: use trace, debug, info, notice, warning, error or critical.")
        }
    }

    public var level: Logger.Level { Logger.Level(rawValue: logLevel.lowercased()) ?? .info }
}
