import DumbSystem

/// The limits that cap how many connections one process can hold, checked before the run
/// and named when the target is not reached: file descriptors (RLIMIT_NOFILE), local ports
/// (one per connection to the same address), and the server itself.
public struct ConnectionLimits: Sendable {
    /// RLIMIT_NOFILE after raising the soft limit to the hard one.
    public let openFiles: (soft: Int, hard: Int)
    /// Descriptors open before any connection (standard streams, epoll, …).
    public let alreadyOpen: Int
    /// net.ipv4.ip_local_port_range, when readable.
    public let localPorts: ClosedRange<Int>?

    /// Descriptors kept back for the metrics endpoint, its scrapes and the JSON file.
    public static let reserve = 8

    /// Raises the soft descriptor limit as far as the hard one allows and reads the others.
    public static func raise() -> ConnectionLimits {
        OpenFileLimit.raiseToHardLimit()
        let range = ProcFiles.read("/proc/sys/net/ipv4/ip_local_port_range").flatMap { text -> ClosedRange<Int>? in
            let bounds = text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
            return bounds.count == 2 && bounds[0] <= bounds[1] ? bounds[0]...bounds[1] : nil
        }
        return ConnectionLimits(
            openFiles: OpenFileLimit.current(),
            alreadyOpen: ProcFiles.openDescriptorCount() ?? 3,
            localPorts: range)
    }

    public init(openFiles: (soft: Int, hard: Int), alreadyOpen: Int, localPorts: ClosedRange<Int>?) {
        self.openFiles = openFiles
        self.alreadyOpen = alreadyOpen
        self.localPorts = localPorts
    }

    /// How many connections the descriptor limit leaves room for.
    public var connectionsAllowedByDescriptors: Int {
        max(0, openFiles.soft - alreadyOpen - Self.reserve)
    }

    /// The warning for a run of `clients` connections that the descriptor limit cannot hold.
    public func descriptorWarning(clients: Int) -> String? {
        let allowed = connectionsAllowedByDescriptors
        guard clients > allowed else { return nil }
        let hard = openFiles.hard == Int.max ? "unlimited" : String(openFiles.hard)
        return
            "\(clients) connections need \(clients + alreadyOpen + Self.reserve) file descriptors, but RLIMIT_NOFILE is \(openFiles.soft) (hard limit \(hard)): at most \(allowed) can be open. Raise the hard limit (ulimit -Hn as root, docker run --ulimit nofile=N:N, LimitNOFILE= in systemd) or run fewer clients per process."
    }

    /// The warning for a run of `clients` connections to one address that the local port
    /// range cannot hold.
    public func portWarning(clients: Int) -> String? {
        guard let localPorts, clients > localPorts.count else { return nil }
        return
            "\(clients) connections to one address need \(clients) local ports, but net.ipv4.ip_local_port_range (\(localPorts.lowerBound)-\(localPorts.upperBound)) has \(localPorts.count): widen it (sysctl -w net.ipv4.ip_local_port_range=\"1024 65535\") or split the clients over several server addresses."
    }

    /// Why only `connected` of `requested` connections were open at once, from what went
    /// wrong while connecting; `pending` connects were still in progress.
    public func shortfall(requested: Int, connected: Int, errors: ErrorCounts, pending: Int = 0) -> String? {
        guard connected < requested else { return nil }
        var reasons: [String] = []
        if requested > connectionsAllowedByDescriptors || errors[.descriptors] > 0 {
            reasons.append(
                "file descriptors: RLIMIT_NOFILE \(openFiles.soft) allows about \(connectionsAllowedByDescriptors) connections"
            )
        }
        if errors[.ports] > 0 {
            let range = localPorts.map { " (net.ipv4.ip_local_port_range \($0.lowerBound)-\($0.upperBound))" } ?? ""
            reasons.append("local ports: the kernel had no free port for \(errors[.ports]) connects\(range)")
        }
        if errors[.refused] > 0 {
            reasons.append(
                "the server refused \(errors[.refused]) connects (is it running? is its listen backlog full?)")
        }
        if errors[.connectTimeout] > 0 {
            reasons.append(
                "\(errors[.connectTimeout]) connects timed out: the server does not accept fast enough (its accept queue is full)"
            )
        }
        if errors[.connectFailed] > 0 {
            reasons.append("\(errors[.connectFailed]) connects failed otherwise (reset or unreachable)")
        }
        if errors[.reset] + errors[.closedEarly] > 0 {
            reasons.append(
                "the server closed or reset \(errors[.reset] + errors[.closedEarly]) connections")
        }
        if pending > 0 {
            reasons.append(
                "\(pending) connects were still in progress: the server completes handshakes slowly (its accept queue is full, or its CPU is)"
            )
        }
        if reasons.isEmpty {
            reasons.append("the run ended before the ramp did (raise --duration or --connect-rate)")
        }
        return "\(connected) of \(requested) connections were open at once. Limited by: "
            + reasons.joined(separator: "; ")
    }
}
