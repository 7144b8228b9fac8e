import DumbSystem

/// The process's own cgroup, read at scrape time, under cgroup v2 and v1 alike: memory in
/// use against the limit, the OOM events, and the CPUs of its cpuset. Inside a container
/// that is the container's limit, as compose set it.
public struct CgroupCollector: ScrapeTimeCollector {
    public init() {}

    public func emit(into output: inout [UInt8]) {
        let cgroup = Cgroup.current()
        var writer = TextFormatWriter()
        if let usage = cgroup.memoryUsage {
            writer.family(
                "dumb_cgroup_memory_usage_bytes", type: "gauge",
                help: "Memory charged to the process's cgroup (memory.current, v1: memory.usage_in_bytes).")
            writer.sample("dumb_cgroup_memory_usage_bytes", [("cgroup_version", cgroup.version)], Double(usage))
        }
        if let limit = cgroup.memoryLimit {
            writer.family(
                "dumb_cgroup_memory_limit_bytes", type: "gauge",
                help: "The cgroup's memory limit (memory.max, v1: memory.limit_in_bytes); absent when unlimited.")
            writer.sample("dumb_cgroup_memory_limit_bytes", [("cgroup_version", cgroup.version)], Double(limit))
        }
        let events = cgroup.memoryEvents
        if !events.isEmpty {
            writer.family(
                "dumb_cgroup_memory_events_total", type: "counter",
                help:
                    "Memory events of the cgroup: max (the limit was hit), oom (allocation failed at the limit), oom_kill (a process was killed)."
            )
            for event in ["max", "oom", "oom_kill"] {
                if let count = events[event] {
                    writer.sample("dumb_cgroup_memory_events_total", [("event", event)], Double(count))
                }
            }
        }
        writer.family(
            "dumb_cgroup_cpus", type: "gauge", help: "CPUs in the process's cpuset (its container's cpuset or taskset)."
        )
        writer.sample("dumb_cgroup_cpus", Double(cgroup.cpuCount))
        output.append(contentsOf: writer.output)
    }
}
