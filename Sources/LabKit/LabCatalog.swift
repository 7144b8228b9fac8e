/// What a lab needs from the machine, as `c10k_lab doctor` checks it.
public enum LabNeed: Hashable, Sendable {
    /// A program on PATH (nc, pv, taskset, curl).
    case tool(String)
    /// The lab's binaries, built next to c10k_lab (`make all`).
    case binaries
    /// Making cgroups with this controller (memory, cpuset, pids), for `c10k_lab run`.
    case cgroup(String)
    /// This many descriptors in one process (RLIMIT_NOFILE's hard limit).
    case descriptors(Int)
    /// This many threads in one process (threads-max, pid_max, vm.max_map_count).
    case threads(Int)
    /// This many connections to one address (the ephemeral port range).
    case localPorts(Int)
    /// A listen backlog this deep (somaxconn, tcp_max_syn_backlog).
    case backlog(Int)
    /// This many CPUs (the server on one, the client on another).
    case cpus(Int)
    /// These loopback ports free.
    case ports([Int])
}

/// One lab of `labs/`: its folder, what it teaches, and what it needs.
public struct Lab: Sendable, Identifiable {
    /// `01` … `10`.
    public let id: String
    /// The folder under `labs/` (`01-iterative`): fixed, the labs and checks quote it.
    public let folder: String
    public let title: String
    public let minutes: Int
    /// What its native path needs.
    public let needs: [LabNeed]
}

/// The course, in the walkthrough's order.
public enum LabCatalog {
    /// The lab's ports: the protocol, the metrics endpoints, a second server or client.
    public static let labPorts = Array(8090...8101)
    /// Monitoring's ports: Prometheus, node-exporter, Grafana (the Docker path).
    public static let monitoringPorts = [9090, 9100, 3000]

    static let base: [LabNeed] = [.binaries, .ports([8090, 8091])]
    static let thousands: [LabNeed] = [
        .descriptors(10_240), .localPorts(10_500), .backlog(1024), .cpus(2), .tool("taskset"),
    ]

    public static let labs: [Lab] = [
        Lab(
            id: "01", folder: "01-iterative", title: "One client at a time: the three stalls", minutes: 15,
            needs: base + [.tool("nc"), .tool("pv")]),
        Lab(
            id: "02", folder: "02-event-multiplexers", title: "select() and epoll: a chat room, FD_SETSIZE",
            minutes: 20,
            needs: base + [.tool("nc"), .descriptors(2_300)]),
        Lab(
            id: "03", folder: "03-thread-per-connection", title: "A thread per client: threads, %sys, memory",
            minutes: 25,
            needs: base + thousands + [.threads(10_500), .tool("curl")]),
        Lab(
            id: "04", folder: "04-epoll", title: "One epoll loop, ten thousand clients, one core", minutes: 20,
            needs: base + thousands + [.tool("nc")]),
        Lab(
            id: "05", folder: "05-epoll-workers", title: "A loop per CPU: cpusets and the load per loop", minutes: 20,
            needs: base + thousands + [.cgroup("cpuset"), .tool("curl")]),
        Lab(
            id: "06", folder: "06-reactor", title: "The Reactor: CPU work off the loop", minutes: 20,
            needs: base + thousands + [.tool("nc")]),
        Lab(
            id: "07", folder: "07-coroutines", title: "Coroutines: blocking code, event-loop cost", minutes: 20,
            needs: base + thousands + [.tool("nc")]),
        Lab(
            id: "08", folder: "08-memory-limits", title: "Under one memory limit: the OOM and the stack size",
            minutes: 30,
            needs: base + thousands + [.threads(10_500), .cgroup("memory"), .cgroup("pids")]),
        Lab(
            id: "09", folder: "09-what-a-connection-costs", title: "What a connection costs: user and kernel memory",
            minutes: 25, needs: base + thousands + [.cgroup("memory")]),
        Lab(
            id: "10", folder: "10-compare", title: "Every server side by side", minutes: 30,
            needs: base + thousands + [.threads(10_500), .cgroup("memory"), .cgroup("cpuset")]),
    ]

    /// The lab `id` names (`1`, `01`, `01-iterative` or `iterative`); nil when none.
    public static func lab(_ id: String) -> Lab? {
        let id = id.lowercased()
        return labs.first { lab in
            lab.id == id || lab.folder == id || Int(lab.id) == Int(id)
                || lab.folder.split(separator: "-", maxSplits: 1).last.map(String.init) == id
        }
    }
}
