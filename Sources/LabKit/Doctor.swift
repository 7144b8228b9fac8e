import CLibcap
import DumbSystem
import Foundation
import Glibc

/// `c10k_lab doctor`: whether this machine can run each lab, one fact at a time. A fact that
/// fails says the command that fixes it and which labs it blocks; the report says which labs
/// can run.
public struct DoctorReport: Codable, Sendable {
    /// One line of the report.
    public struct Fact: Codable, Sendable {
        public enum Status: String, Codable, Sendable {
            /// ✓: as the labs need it.
            case ok
            /// ✗: not as the labs would have it; ``blocks`` says which labs it stops.
            case failed
        }

        public var key: String
        public var status: Status
        public var text: String
        public var fix: String?
        /// The labs whose native path this blocks.
        public var blocks: [String] = []
        /// Whether it blocks the Docker path of every lab instead.
        public var blocksDocker = false
    }

    public struct CgroupFacts: Codable, Sendable {
        public var version: CgroupLayout.Version?
        /// Whether this process may make cgroups with each controller.
        public var writable: [String: Bool]
        /// The kernel limits swap with memory (memory.memsw / memory.swap.max exist).
        public var swapAccounting: Bool
    }

    public struct PortHolder: Codable, Sendable {
        public var port: Int
        public var pid: Int32?
        public var program: String?
    }

    public struct LabVerdict: Codable, Sendable {
        public var id: String
        public var folder: String
        public var canRun: Bool
        public var blockedBy: [String]
    }

    public var kernel: String
    public var cgroup: CgroupFacts
    /// Effective capabilities the labs care about.
    public var capabilities: [String: Bool]
    public var openFiles: [String: Int]
    public var ephemeralPorts: [Int]
    public var somaxconn: Int?
    public var tcpMaxSynBacklog: Int?
    public var threadsMax: Int?
    public var pidMax: Int?
    public var maxMapCount: Int?
    public var cpus: [Int]
    public var docker: String?
    public var compose: String?
    public var portsInUse: [PortHolder]
    public var tools: [String: String]
    public var facts: [Fact]
    public var labs: [LabVerdict]
    public var everyLabCanRun: Bool

    /// The compose file's cpusets need these CPUs (`0,1,2,3` for the four multi-core servers).
    static let composeCPUs = [0, 1, 2, 3]
    static let tools = ["nc", "pv", "taskset", "curl", "redis-server", "gnuplot", "docker"]

    /// Looks at this machine. `binaries` is the folder of the lab's programs.
    public static func examine(binaries: String) -> DoctorReport {
        var uts = utsname()
        uname(&uts)
        let kernel = withUnsafeBytes(of: uts.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let layout = CgroupLayout.detect()
        var writable: [String: Bool] = [:]
        for controller in CgroupLayout.labControllers {
            writable[controller] = layout.map { canMake(controller, $0) } ?? false
        }
        let capabilities = Dictionary(
            uniqueKeysWithValues: [
                ("CAP_SYS_ADMIN", CAP_SYS_ADMIN), ("CAP_SYS_RESOURCE", CAP_SYS_RESOURCE),
                ("CAP_NET_BIND_SERVICE", CAP_NET_BIND_SERVICE),
            ].map { ($0.0, Capabilities.hasEffective($0.1)) })
        let limit = OpenFileLimit.current()
        let ports = (ProcFiles.read("/proc/sys/net/ipv4/ip_local_port_range") ?? "").split(
            whereSeparator: \.isWhitespace
        )
        .compactMap { Int($0) }
        func number(_ path: String) -> Int? { ProcFiles.read(path).flatMap { Int($0.trimmingCharacters(in: " \n")) } }
        var tools: [String: String] = [:]
        for tool in Self.tools { tools[tool] = Spawn.findProgram(tool) }
        let docker =
            tools["docker"] == nil ? nil : Shell.output(["docker", "version", "--format", "{{.Server.Version}}"])
        let compose = tools["docker"] == nil ? nil : Shell.output(["docker", "compose", "version", "--short"])
        var report = DoctorReport(
            kernel: kernel,
            cgroup: CgroupFacts(version: layout?.version, writable: writable, swapAccounting: swapAccounting(layout)),
            capabilities: capabilities, openFiles: ["soft": limit.soft, "hard": limit.hard], ephemeralPorts: ports,
            somaxconn: number("/proc/sys/net/core/somaxconn"),
            tcpMaxSynBacklog: number("/proc/sys/net/ipv4/tcp_max_syn_backlog"),
            threadsMax: number("/proc/sys/kernel/threads-max"), pidMax: number("/proc/sys/kernel/pid_max"),
            maxMapCount: number("/proc/sys/vm/max_map_count"), cpus: CPUAffinity.allowedCPUs(),
            docker: docker, compose: compose,
            portsInUse: ListeningSockets.holders(of: LabCatalog.labPorts + LabCatalog.monitoringPorts),
            tools: tools, facts: [], labs: [], everyLabCanRun: false)
        report.facts = report.makeFacts(binaries: binaries)
        report.labs = LabCatalog.labs.map { lab in
            let blockers = report.facts.filter { $0.status == .failed && $0.blocks.contains(lab.id) }.map(\.key)
            return LabVerdict(id: lab.id, folder: lab.folder, canRun: blockers.isEmpty, blockedBy: blockers)
        }
        report.everyLabCanRun = report.labs.allSatisfy(\.canRun)
        return report
    }

    /// The labs that need something, by what they need.
    static func labs(needing predicate: (LabNeed) -> Bool) -> [String] {
        LabCatalog.labs.filter { $0.needs.contains(where: predicate) }.map(\.id)
    }

    func makeFacts(binaries: String) -> [Fact] {
        var facts: [Fact] = []
        func add(
            _ key: String, _ ok: Bool, _ text: String, fix: String? = nil, blocks: [String] = [], docker: Bool = false
        ) {
            let status: Fact.Status = ok ? .ok : .failed
            facts.append(
                Fact(
                    key: key, status: status, text: text, fix: ok ? nil : fix, blocks: ok ? [] : blocks,
                    blocksDocker: ok ? false : docker))
        }
        let release = kernel.split(separator: ".").prefix(2).compactMap { Int($0) }
        let recent = release.count == 2 && (release[0], release[1]) >= (5, 3)
        add(
            "kernel", recent, "kernel \(kernel)" + (recent ? "" : ": c10k_lab run needs 5.3 or later (pidfd)"),
            fix: "run the labs on Linux 5.3 or later, or with Docker",
            blocks: Self.labs { if case .cgroup = $0 { true } else { false } })

        // cgroups
        let version =
            cgroup.version.map { $0 == .hybrid ? "v1 (hybrid: v1 controllers, an empty v2 hierarchy)" : $0.rawValue }
            ?? "none"
        add(
            "cgroup", cgroup.version != nil, "cgroup \(version)", fix: "mount the cgroup file system, or use Docker",
            blocks: Self.labs { if case .cgroup = $0 { true } else { false } })
        let root = getuid() == 0
        for controller in CgroupLayout.labControllers {
            let ok = cgroup.writable[controller] ?? false
            let how =
                cgroup.version == .v2
                ? (root
                    ? "sudo c10k_lab …"
                    : "systemd-run --user --scope -p Delegate=yes c10k_lab … (a delegated v2 subtree), or sudo")
                : "sudo c10k_lab … (cgroup v1 needs root)"
            add(
                "cgroup.\(controller)", ok,
                "\(controller) cgroups: \(ok ? "this process may make them" : "this process may NOT make them")",
                fix: how, blocks: Self.labs { $0 == .cgroup(controller) })
        }
        add(
            "cgroup.swap", cgroup.swapAccounting || swapTotal == 0,
            cgroup.swapAccounting
                ? "swap is limited with memory (the limit is real)"
                : (swapTotal == 0
                    ? "no swap on this machine: a memory limit is real"
                    : "swap is NOT limited by the memory cgroup: a process can swap past its limit"),
            fix: "boot with swapaccount=1 (v1) or turn swap off: sudo swapoff -a",
            blocks: Self.labs { $0 == .cgroup("memory") })

        // capabilities
        for (name, held) in capabilities.sorted(by: { $0.key < $1.key }) {
            let why =
                switch name {
                case "CAP_SYS_RESOURCE":
                    "raising RLIMIT_NOFILE above the hard limit (\(openFiles["hard"] ?? 0)), which no lab needs"
                case "CAP_SYS_ADMIN": "mounts and namespaces, which no lab needs"
                default: "ports below 1024, which no lab needs (they use 8090 and up)"
                }
            add(
                "capability.\(name)", held, "\(name): \(held ? "held" : "missing") (\(why))",
                fix: "run as root outside a container, or grant it (setcap, a container's cap_add)")
        }

        // limits
        let hard = openFiles["hard"] ?? 0
        let descriptorNeeds = LabCatalog.labs.flatMap(\.needs).compactMap { need -> Int? in
            if case .descriptors(let count) = need { count } else { nil }
        }
        let mostDescriptors = descriptorNeeds.max() ?? 0
        add(
            "nofile", hard >= mostDescriptors,
            "open files: soft \(openFiles["soft"] ?? 0), hard \(hard) (the servers and the client raise the soft limit to the hard one; the labs need \(mostDescriptors))",
            fix:
                "sudo prlimit --pid $$ --nofile=\(mostDescriptors):\(mostDescriptors), or raise nofile in /etc/security/limits.conf",
            blocks: Self.labs { if case .descriptors(let count) = $0 { count > hard } else { false } })
        let portCount = ephemeralPorts.count == 2 ? ephemeralPorts[1] - ephemeralPorts[0] + 1 : 0
        add(
            "ephemeral_ports", portCount >= 10_500,
            "ephemeral ports \(ephemeralPorts.map(String.init).joined(separator: "-")): \(portCount) connections to one address",
            fix: "sudo sysctl -w net.ipv4.ip_local_port_range=\"1024 65000\"",
            blocks: Self.labs { if case .localPorts(let count) = $0 { count > portCount } else { false } })
        let backlog = min(somaxconn ?? 0, tcpMaxSynBacklog ?? 0)
        add(
            "backlog", backlog >= 1024,
            "listen backlog: somaxconn \(somaxconn ?? 0), tcp_max_syn_backlog \(tcpMaxSynBacklog ?? 0)",
            fix: "sudo sysctl -w net.core.somaxconn=4096 net.ipv4.tcp_max_syn_backlog=4096",
            blocks: Self.labs { if case .backlog(let count) = $0 { count > backlog } else { false } })
        let threads = min(threadsMax ?? 0, pidMax ?? 0, (maxMapCount ?? 0) / 2)
        add(
            "threads", threads >= 10_500,
            "threads: threads-max \(threadsMax ?? 0), pid_max \(pidMax ?? 0), vm.max_map_count \(maxMapCount ?? 0) (two mappings a thread): \(threads) threads in one process",
            fix: "sudo sysctl -w kernel.pid_max=65536 vm.max_map_count=262144",
            blocks: Self.labs { if case .threads(let count) = $0 { count > threads } else { false } })
        add(
            "cpus", cpus.count >= 2,
            "CPUs this process may use: \(CPUAffinity.listDescription(cpus)) (\(cpus.count))",
            fix: "give the lab two CPUs or more (a VM's settings, docker --cpuset-cpus)",
            blocks: Self.labs { if case .cpus(let count) = $0 { count > cpus.count } else { false } })
        let composeOK = Set(Self.composeCPUs).isSubset(of: Set(cpus))
        add(
            "compose_cpus", composeOK,
            "compose.yaml's default cpusets (0,1,2,3 for epoll-workers, reactor, coro, nio) \(composeOK ? "fit" : "need CPUs this machine lacks")",
            fix:
                "docker compose -f compose.yaml -f cgroups/cpuset-two-cpus.yaml …, or EPOLL_WORKERS_CPUS=0-1 (REACTOR_CPUS, CORO_CPUS, NIO_CPUS); the labs' own compose files use the CPUs they find"
        )

        // docker
        add(
            "docker", docker != nil,
            docker.map { "Docker engine \($0)" } ?? "no Docker engine answers (docker version)",
            fix: "install and start Docker (sudo apt-get install docker.io; sudo systemctl start docker)", docker: true)
        add(
            "compose", compose != nil,
            compose.map { "docker compose \($0)" } ?? "no compose v2 plugin (docker compose version)",
            fix: "sudo apt-get install docker-compose-plugin (or docker-compose-v2)", docker: true)

        // ports
        for port in LabCatalog.labPorts + LabCatalog.monitoringPorts {
            guard let holder = portsInUse.first(where: { $0.port == port }) else { continue }
            let who = holder.program.map { "\($0) (pid \(holder.pid ?? 0))" } ?? "another process"
            let monitoring = LabCatalog.monitoringPorts.contains(port)
            add(
                "port.\(port)", false, "port \(port) is held by \(who)",
                fix: holder.pid.map { "stop it: kill \($0)" } ?? "stop what listens on it (ss -ltnp)",
                blocks: monitoring
                    ? [] : Self.labs { if case .ports(let ports) = $0 { ports.contains(port) } else { false } },
                docker: monitoring)
        }
        if portsInUse.isEmpty {
            add("ports", true, "the lab's ports are free (8090-8101, 9090, 9100, 3000)")
        }

        // tools and binaries
        for tool in ["nc", "pv", "taskset", "curl", "redis-server"] {
            let package =
                [
                    "nc": "netcat-openbsd", "pv": "pv", "taskset": "util-linux", "curl": "curl",
                    "redis-server": "redis-server",
                ][tool]
                ?? tool
            add(
                "tool.\(tool)", tools[tool] != nil, tools[tool].map { "\(tool): \($0)" } ?? "\(tool) is not on PATH",
                fix: "sudo apt-get install \(package)", blocks: Self.labs { $0 == .tool(tool) })
        }
        add(
            "tool.gnuplot", tools["gnuplot"] != nil,
            tools["gnuplot"].map { "gnuplot: \($0) (the experiments' plots)" }
                ?? "gnuplot is not on PATH: experiments write their data, not their plots",
            fix: "sudo apt-get install gnuplot-nox")
        let missing = ServerCatalog.binaryNames.filter { access(binaries + "/" + $0, X_OK) != 0 }
        add(
            "binaries", missing.isEmpty,
            missing.isEmpty
                ? "the servers and c10k_client are built (\(binaries))"
                : "not built in \(binaries): \(missing.joined(separator: ", "))",
            fix: "make all", blocks: Self.labs { $0 == .binaries })
        return facts
    }

    var swapTotal: Int {
        let text = ProcFiles.keyValues(ProcFiles.read("/proc/meminfo") ?? "")["SwapTotal"] ?? "0"
        return Int(text.split(separator: " ").first ?? "0") ?? 0
    }

    /// Whether this process can make a cgroup with `controller`: it makes one and removes it.
    static func canMake(_ controller: String, _ layout: CgroupLayout) -> Bool {
        let probe = "c10k-lab-doctor-\(getpid())"
        if layout.usesUnified {
            guard let unified = layout.unified, layout.unifiedControllers.contains(controller) else { return false }
            let base = getuid() == 0 ? unified : unified + LabCgroup.ownUnifiedPath()
            guard access(base + "/cgroup.subtree_control", W_OK) == 0, mkdir(base + "/" + probe, 0o755) == 0 else {
                return false
            }
            rmdir(base + "/" + probe)
            return true
        }
        guard let mount = layout.v1Controllers[controller], mkdir(mount + "/" + probe, 0o755) == 0 else { return false }
        rmdir(mount + "/" + probe)
        return true
    }

    static func swapAccounting(_ layout: CgroupLayout?) -> Bool {
        guard let layout else { return false }
        if layout.usesUnified, let unified = layout.unified {
            return access(unified + LabCgroup.ownUnifiedPath() + "/memory.swap.max", F_OK) == 0
                || access(unified + "/" + LabCgroup.parentName, F_OK) == 0
                    && access(unified + "/" + LabCgroup.parentName + "/memory.swap.max", F_OK) == 0
        }
        return layout.v1Controllers["memory"].map { access($0 + "/memory.memsw.limit_in_bytes", F_OK) == 0 } ?? false
    }

    /// The report for people: a line a fact, then the labs.
    public var text: String {
        var lines: [String] = []
        for fact in facts {
            let mark = fact.status == .ok ? "✓" : "✗"
            var line = "\(mark) \(fact.text)"
            if let fix = fact.fix, fact.status != .ok {
                line += "\n    fix: \(fix)"
                if !fact.blocks.isEmpty { line += "\n    blocks labs \(fact.blocks.joined(separator: ", "))" }
                if fact.blocksDocker {
                    line += "\n    blocks the Docker path of every lab (the native path still works)"
                }
                if fact.blocks.isEmpty && !fact.blocksDocker { line += "\n    blocks no lab" }
            }
            lines.append(line)
        }
        lines.append("")
        for lab in labs {
            let title = LabCatalog.lab(lab.id)?.title ?? lab.folder
            lines.append(
                lab.canRun
                    ? "✓ lab \(lab.id) \(title)"
                    : "✗ lab \(lab.id) \(title): blocked by \(lab.blockedBy.joined(separator: ", "))")
        }
        lines.append(
            everyLabCanRun ? "every lab can run here" : "some labs cannot run here: fix what is marked ✗ above")
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: String { JSONText.encode(self) }
}
