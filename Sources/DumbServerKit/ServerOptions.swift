import ArgumentParser
import DumbSystem
import Glibc
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

/// Option defaults taken from the environment.
public enum EnvironmentDefault {
    public static func string(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }

    /// The variable as an integer; nil when unset or not a number (``checkIntegers(_:)``
    /// reports that).
    public static func integer(_ name: String) -> Int? {
        string(name).flatMap { Int($0) }
    }

    /// Throws a ValidationError naming the first variable that is set but not an integer.
    public static func checkIntegers(_ names: [String]) throws {
        for name in names {
            if let text = string(name), Int(text) == nil {
                throw ValidationError("\(name)=\(text) is not a whole number: fix or unset it.")
            }
        }
    }

    /// Throws a ValidationError naming the first variable that is set but not a size.
    public static func checkSizes(_ names: [String]) throws {
        for name in names {
            if let text = string(name), ByteSize.parse(text) == nil {
                throw ValidationError("\(name)=\(text) is not a size: write bytes or 64k, 8m, 1g; or unset it.")
            }
        }
    }
}

/// Sizes written as `65536`, `64k`, `8m` or `1g` (powers of 1024).
public enum ByteSize {
    public static func parse(_ text: String) -> Int? {
        let lower = text.lowercased().trimmingCharacters(in: " ")
        let multipliers: [Character: Int] = ["k": 1 << 10, "m": 1 << 20, "g": 1 << 30]
        if let last = lower.last, let multiplier = multipliers[last] {
            let digits = lower.dropLast().trimmingCharacters(in: " ")
            guard let value = Int(digits), value >= 0 else { return nil }
            let (product, overflow) = value.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : product
        }
        guard let value = Int(lower), value >= 0 else { return nil }
        return value
    }

    /// `8 MiB`, `256 KiB`, `100 B`.
    public static func describe(_ bytes: Int) -> String {
        if bytes >= 1 << 30 && bytes % (1 << 30) == 0 { return "\(bytes >> 30) GiB" }
        if bytes >= 1 << 20 && bytes % (1 << 20) == 0 { return "\(bytes >> 20) MiB" }
        if bytes >= 1 << 10 && bytes % (1 << 10) == 0 { return "\(bytes >> 10) KiB" }
        return "\(bytes) B"
    }
}
