import ArgumentParser
import DumbSystem

/// The one option that counts threads or event loops: `--workers` (dumb_epoll_workers),
/// `--burn-threads` (dumb_reactor), `--threads` (dumb_nio), and the coming lab tool's. Each
/// takes a count from the command line, else from its environment variable, else the number
/// of CPUs this process may run on (its affinity: `taskset`, a container's cpuset; not the
/// host's core count).
///
///     static let workers = CPUCountOption(name: "workers", variable: "DUMB_WORKERS", counts: "Event loops", maximum: 1024)
///     @Option(help: Self.workers.help) var workers: Int?
///     func validate() throws { _ = try Self.workers.resolve(workers) }
public struct CPUCountOption: Sendable {
    /// The long option's name, without its dashes.
    public let name: String
    /// The environment variable that gives the count when the option is not given.
    public let variable: String
    /// What is counted, for `--help` (`Event loops, each on its own thread`).
    public let counts: String
    public let maximum: Int
    /// How the error for a count out of range begins after the count (`not a loop count`).
    public let complaint: String

    public init(name: String, variable: String, counts: String, maximum: Int, complaint: String = "out of range") {
        self.name = name
        self.variable = variable
        self.counts = counts
        self.maximum = maximum
        self.complaint = complaint
    }

    /// `--help`'s line: what is counted, the default and the variable.
    public var help: ArgumentHelp {
        ArgumentHelp(
            "\(counts), 1 to \(maximum) (default: the CPUs this process may run on). (env: \(variable))",
            valueName: "count")
    }

    /// The count in force: `given` (the parsed option), else the variable, else the CPUs this
    /// process may run on. Throws a ValidationError that says what to give instead.
    public func resolve(_ given: Int?) throws -> Int {
        try EnvironmentDefault.checkIntegers([variable])
        guard let count = given ?? EnvironmentDefault.integer(variable) else {
            return CPUAffinity.allowedCPUCount()
        }
        guard (1...maximum).contains(count) else {
            let source = given == nil ? "\(variable)=\(count)" : "--\(name) \(count)"
            throw ValidationError(
                "\(source) is \(complaint): give 1 to \(maximum), or leave it out for one per CPU this process may run on (\(CPUAffinity.allowedCPUCount()) here)."
            )
        }
        return count
    }
}
