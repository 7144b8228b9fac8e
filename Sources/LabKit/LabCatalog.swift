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
    /// Its steps, in order: the README's, each with its check.
    public let steps: [LabStep]
    /// What the learner predicts before the run (`c10k_lab predict`).
    public let prediction: LabPrediction?

    /// The step `key` or number (`2`, `wait-stall`) names.
    public func step(_ key: String) -> LabStep? {
        if let number = Int(key), steps.indices.contains(number - 1) { return steps[number - 1] }
        return steps.first { $0.key == key }
    }
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

    public static let labs: [Lab] = LabCourse.labs

    /// The lab `id` names (`1`, `01`, `01-iterative` or `iterative`); nil when none.
    public static func lab(_ id: String) -> Lab? {
        let id = id.lowercased()
        return labs.first { lab in
            lab.id == id || lab.folder == id || Int(lab.id) == Int(id)
                || lab.folder.split(separator: "-", maxSplits: 1).last.map(String.init) == id
        }
    }
}
