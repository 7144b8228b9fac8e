import DumbSystem

/// What a cgroup's files said at one moment. Every figure is optional: a kernel or a
/// cgroup version may not have it.
public struct CgroupSample: Sendable, Equatable, Codable {
    /// Bytes charged now (v2 memory.current; v1 memory.usage_in_bytes).
    public var memoryCurrent: Int?
    /// The most bytes ever charged (v2 memory.peak, Linux 5.19; v1 memory.max_usage_in_bytes).
    public var memoryPeak: Int?
    /// Anonymous memory: heaps and stacks (v2 `anon`; v1 `rss`).
    public var anonymous: Int?
    /// Page cache (v2 `file`; v1 `cache`).
    public var file: Int?
    /// Kernel memory charged: slab, stacks, page tables (v2 `kernel`; v1 memory.kmem.usage_in_bytes).
    public var kernel: Int?
    /// Socket buffers (v2 `sock`; v1 memory.kmem.tcp.usage_in_bytes).
    public var sockets: Int?
    /// How often the limit was hit (v2 memory.events `max`; v1 memory.failcnt).
    public var limitHits: Int?
    /// How many processes the kernel's OOM killer killed in it (v2 memory.events `oom_kill`;
    /// v1 memory.oom_control `oom_kill`).
    public var oomKills: Int?
    /// Processes and threads now (pids.current).
    public var pids: Int?

    public init() {}

    /// What a cgroup's files say now: `memoryFolder` holds the memory controller's files,
    /// `pidsFolder` the pids controller's (on v2 both are the one folder).
    public static func read(memoryFolder: String?, pidsFolder: String?, unified: Bool) -> CgroupSample {
        var sample = CgroupSample()
        if let folder = pidsFolder { sample.pids = LabCgroup.number(folder + "/pids.current") }
        guard let folder = memoryFolder else { return sample }
        let stat = LabCgroup.keyedNumbers(folder + "/memory.stat")
        if unified {
            sample.memoryCurrent = LabCgroup.number(folder + "/memory.current")
            sample.memoryPeak = LabCgroup.number(folder + "/memory.peak")
            sample.anonymous = stat["anon"]
            sample.file = stat["file"]
            sample.kernel = stat["kernel"]
            sample.sockets = stat["sock"]
            let events = LabCgroup.keyedNumbers(folder + "/memory.events")
            sample.limitHits = events["max"]
            sample.oomKills = events["oom_kill"]
        } else {
            sample.memoryCurrent = LabCgroup.number(folder + "/memory.usage_in_bytes")
            sample.memoryPeak = LabCgroup.number(folder + "/memory.max_usage_in_bytes")
            sample.anonymous = stat["rss"]
            sample.file = stat["cache"]
            sample.kernel = LabCgroup.number(folder + "/memory.kmem.usage_in_bytes")
            sample.sockets = LabCgroup.number(folder + "/memory.kmem.tcp.usage_in_bytes")
            sample.limitHits = LabCgroup.number(folder + "/memory.failcnt")
            sample.oomKills = LabCgroup.keyedNumbers(folder + "/memory.oom_control")["oom_kill"]
        }
        return sample
    }
}
