/// The limits a lab puts on a process, the same a compose service sets on its container
/// (`mem_limit` and `memswap_limit` equal, `cpuset`, `pids_limit`).
public struct CgroupLimits: Sendable, Equatable, Codable {
    /// Bytes of memory, swap included (swap is limited to nothing beyond it).
    public var memory: Int?
    /// The CPUs it may run on.
    public var cpus: [Int]?
    /// Processes and threads.
    public var pids: Int?

    public init(memory: Int? = nil, cpus: [Int]? = nil, pids: Int? = nil) {
        self.memory = memory
        self.cpus = cpus
        self.pids = pids
    }
}
