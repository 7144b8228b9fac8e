/// One step of a lab: what the learner does (in the lab's README), what the check measures
/// to see that its observation holds, a hint, and the reference solution's actions.
public struct LabStep: Sendable {
    /// Names the step in progress, predictions and reference results (`wait-stall`).
    public let key: String
    public let title: String
    public let probe: LabProbe
    public let hint: String
    public let solve: [LabAction]
    /// How far the measured figure may be from the reference one, as a factor: 2 passes from
    /// half to twice the reference. Nil: the observation alone is graded.
    public let band: Double?

    public init(
        _ key: String, _ title: String, probe: LabProbe, hint: String, solve: [LabAction] = [], band: Double? = nil
    ) {
        self.key = key
        self.title = title
        self.probe = probe
        self.hint = hint
        self.solve = solve
        self.band = band
    }
}

/// What a lab's reference solution does, as a learner would.
public enum LabAction: Sendable {
    /// Starts `binary` on the lab's ports, through `c10k_lab run` with these CPUs and memory
    /// limit (natively), or the lab's compose service (`--docker`).
    case startServer(binary: String, cpus: String? = nil, memory: String? = nil, arguments: [String] = [])
    /// Stops the servers the lab started.
    case stopServer
    /// Starts a c10k_client with `count` clients sending `request` (each `thinkTime` after
    /// its last answer), until the lab is reset.
    case startClients(count: Int, request: String, thinkTime: String = "0")
    case stopClients
    /// `c10k_lab experiment memory`, into the lab's folder `out`.
    case memoryExperiment(
        server: String, memory: String, out: String, step: Int = 1000, maximum: Int = 10_000, request: String = "PING",
        serverArguments: [String] = [])
    /// `c10k_lab experiment compare`, into the lab's folder `out`.
    case compareExperiment(servers: String, clients: String, out: String, request: String, duration: String)
    /// redis-server on `port`, until the lab is reset.
    case startRedis(port: Int)
    /// c10k_client against redis-server on `port` (PING, +PONG), its summary to `out`.
    case redisClients(port: Int, out: String)
}

/// What a learner guesses before the run, and which step measures it.
public struct LabPrediction: Sendable {
    public let step: String
    public let question: String
    public let unit: String
}
