import DumbSystem

/// Where the process's cgroup files are, and what they say.
public struct Cgroup: Sendable {
    /// `v2` or `v1`.
    public let version: String
    /// The folder holding the memory controller's files.
    public let memoryDirectory: String?
    /// The folder holding the cpuset controller's files.
    public let cpusetDirectory: String?

    /// The cgroup of the calling process, from /proc/self/cgroup.
    public static func current(root: String = "/sys/fs/cgroup", procCgroup: String? = nil) -> Cgroup {
        let lines = (procCgroup ?? ProcFiles.read("/proc/self/cgroup") ?? "").split(separator: "\n")
        if ProcFiles.exists(root + "/cgroup.controllers") {
            let path = lines.first(where: { $0.hasPrefix("0::") }).map { String($0.dropFirst(3)) } ?? "/"
            let directory = locate(root, path, probe: "memory.current")
            return Cgroup(version: "v2", memoryDirectory: directory, cpusetDirectory: directory)
        }
        func path(of controller: String) -> String {
            for line in lines {
                let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                if parts.count == 3 && parts[1].split(separator: ",").contains(Substring(controller)) {
                    return String(parts[2])
                }
            }
            return "/"
        }
        return Cgroup(
            version: "v1",
            memoryDirectory: locate(root + "/memory", path(of: "memory"), probe: "memory.usage_in_bytes"),
            cpusetDirectory: locate(root + "/cpuset", path(of: "cpuset"), probe: "cpuset.cpus"))
    }

    /// The folder of `path` under `base`, or `base` itself: inside a container the
    /// container's own cgroup is mounted at the root.
    private static func locate(_ base: String, _ path: String, probe: String) -> String? {
        let nested = path == "/" ? base : base + path
        if ProcFiles.exists(nested + "/" + probe) { return nested }
        if ProcFiles.exists(base + "/" + probe) { return base }
        return nil
    }

    public var memoryUsage: UInt64? {
        guard let memoryDirectory else { return nil }
        return number(memoryDirectory + (version == "v2" ? "/memory.current" : "/memory.usage_in_bytes"))
    }

    /// The limit in bytes; nil when there is none.
    public var memoryLimit: UInt64? {
        guard let memoryDirectory else { return nil }
        guard let limit = number(memoryDirectory + (version == "v2" ? "/memory.max" : "/memory.limit_in_bytes"))
        else { return nil }  // v2 writes "max" when unlimited
        // v1 writes a page-rounded 2^63 when unlimited
        return limit >= 1 << 62 ? nil : limit
    }

    /// `max`, `oom` and `oom_kill` counts (v1 has no `oom` count: it reports `max` from
    /// memory.failcnt and `oom_kill` from memory.oom_control).
    public var memoryEvents: [String: UInt64] {
        guard let memoryDirectory else { return [:] }
        var events: [String: UInt64] = [:]
        if version == "v2" {
            let text = ProcFiles.read(memoryDirectory + "/memory.events") ?? ""
            for (key, value) in ProcFiles.keyValues(text, separator: " ") {
                if let count = UInt64(value) { events[key] = count }
            }
            return events.filter { ["max", "oom", "oom_kill"].contains($0.key) }
        }
        if let failures = number(memoryDirectory + "/memory.failcnt") { events["max"] = failures }
        let control = ProcFiles.keyValues(ProcFiles.read(memoryDirectory + "/memory.oom_control") ?? "", separator: " ")
        if let kills = control["oom_kill"].flatMap({ UInt64($0) }) { events["oom_kill"] = kills }
        return events
    }

    /// CPUs of the cpuset (cpuset.cpus.effective, v1: cpuset.cpus); the affinity mask when
    /// the file cannot be read.
    public var cpuCount: Int {
        if let cpusetDirectory {
            let file = version == "v2" ? "/cpuset.cpus.effective" : "/cpuset.cpus"
            if let text = ProcFiles.read(cpusetDirectory + file), let count = Self.countCPUs(text), count > 0 {
                return count
            }
        }
        return CPUAffinity.allowedCPUCount()
    }

    /// Counts the CPUs of a list such as `0-3,6`.
    public static func countCPUs(_ list: String) -> Int? {
        var count = 0
        for part in list.trimmingCharacters(in: " \n").split(separator: ",") {
            let bounds = part.split(separator: "-")
            guard let first = Int(bounds[0]) else { return nil }
            let last = bounds.count > 1 ? Int(bounds[1]) ?? first : first
            count += last - first + 1
        }
        return count
    }

    private func number(_ path: String) -> UInt64? {
        ProcFiles.read(path).flatMap { UInt64($0.trimmingCharacters(in: " \n")) }
    }
}
