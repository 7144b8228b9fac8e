import DumbSystem
import Foundation
import Glibc

/// The server in its compose container (`--compose`): `docker compose --profile SERVICE up`
/// with the experiment's memory limit and cpuset as the compose file's variables
/// (`EPOLL_MEMORY`, `EPOLL_CPUS`), on ports of its own. The experiment reads the container's
/// cgroup from the host while it runs, and keeps the last figures when the container dies
/// (the cgroup goes with it).
public final class ComposeServer: ExperimentServer {
    public let info: ServerInfo
    public let port: Int
    public let metricsPort: Int
    public let pid: Int32
    let container: String
    let compose: [String]
    let memoryFolder: String?
    let pidsFolder: String?
    let unified: Bool
    let log: String?
    private var last = CgroupSample()
    private var end: ServerEnd?

    /// The compose project, apart from the learner's own stack.
    static let project = "c10k-lab-experiment"

    /// - Parameter environment: more of the compose file's variables (`MULTITHREADED_STACK_SIZE=64k`).
    public init(_ info: ServerInfo, limits: CgroupLimits, environment extra: [String] = [], log: String?) throws {
        self.info = info
        self.log = log
        guard let file = Self.composeFile() else {
            throw LabError("--compose needs the repository's compose.yaml: run c10k_lab from the c10k-lab folder")
        }
        guard Shell.output(["docker", "compose", "version", "--short"]) != nil else {
            throw LabError("--compose needs Docker with the compose v2 plugin (c10k_lab doctor says what is missing)")
        }
        port = try freeLoopbackPort()
        metricsPort = try freeLoopbackPort()
        let prefix = info.service.uppercased().replacingOccurrences(of: "-", with: "_")
        var environment = ["DUMB_PORT=\(port)", "DUMB_METRICS_PORT=\(metricsPort)"] + extra
        if let memory = limits.memory { environment.append("\(prefix)_MEMORY=\(memory)") }
        if let cpus = limits.cpus { environment.append("\(prefix)_CPUS=\(CPUAffinity.listDescription(cpus))") }
        compose =
            ["env"] + environment + ["docker", "compose", "-f", file, "-p", Self.project, "--profile", info.service]
        guard let up = Shell.run(compose + ["up", "-d", info.service], timeout: 900), up.status == 0 else {
            throw LabError("docker compose up \(info.service) failed: see docker compose -p \(Self.project) logs")
        }
        guard let id = Shell.output(compose + ["ps", "-q", info.service]),
            let pidText = Shell.output(["docker", "inspect", "-f", "{{.State.Pid}}", id]), let pid = Int32(pidText),
            pid > 0
        else {
            _ = Shell.run(compose + ["down"], timeout: 120)
            throw LabError(
                "the \(info.service) container did not start: docker compose -p \(Self.project) logs \(info.service)")
        }
        container = id
        // with `init: true` the container's first process is docker-init; the server is its child
        let children = ProcFiles.read("/proc/\(pid)/task/\(pid)/children")?.split(separator: " ").compactMap {
            Int32($0)
        }
        let comm = ProcFiles.read("/proc/\(pid)/comm")?.trimmingCharacters(in: "\n") ?? ""
        self.pid = (comm == "docker-init" || comm == "tini") ? (children?.first ?? pid) : pid
        let layout = CgroupLayout.detect()
        let unified = layout?.usesUnified ?? false
        self.unified = unified
        let paths = ProcFiles.read("/proc/\(self.pid)/cgroup") ?? ""
        func folder(_ controller: String) -> String? {
            guard let layout, let mount = layout.mountPoint(of: controller) else { return nil }
            for line in paths.split(separator: "\n") {
                let parts = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
                guard parts.count == 3 else { continue }
                if unified ? parts[0] == "0" : parts[1].split(separator: ",").contains(Substring(controller)) {
                    return mount + parts[2]
                }
            }
            return nil
        }
        memoryFolder = folder("memory")
        pidsFolder = folder("pids")
    }

    public func sample() -> CgroupSample {
        if end == nil, access("/proc/\(pid)", F_OK) == 0 {
            let now = CgroupSample.read(memoryFolder: memoryFolder, pidsFolder: pidsFolder, unified: unified)
            if now.memoryCurrent != nil { last = now }
        }
        return last
    }

    public func ended() -> ServerEnd? {
        if let end { return end }
        guard access("/proc/\(pid)", F_OK) != 0 else { return nil }
        return finish()
    }

    public func stop() -> ServerEnd {
        let end = ended() ?? finish()
        return end
    }

    private func finish() -> ServerEnd {
        let state =
            Shell.output(["docker", "inspect", "-f", "{{.State.ExitCode}} {{.State.OOMKilled}}", container]) ?? ""
        let fields = state.split(separator: " ")
        if let log, let logs = Shell.run(compose + ["logs", "--no-color", info.service], timeout: 60) {
            try? ResultFiles.write(log, logs.output)
        }
        let running = access("/proc/\(pid)", F_OK) == 0
        let down = Shell.run(compose + ["down"], timeout: 120)
        let status = running ? 0 : Int32(fields.first ?? "") ?? -1
        let oomKilled = fields.count > 1 && fields[1] == "true" || (last.oomKills ?? 0) > 0 && status == 137
        let finished = ServerEnd(
            termination: running ? "stopped (docker compose down)" : "the container exited with status \(status)",
            shellStatus: status, oomKilled: !running && oomKilled, peakMemoryBytes: last.memoryPeak,
            cleanedUp: down?.status == 0)
        end = finished
        return finished
    }

    /// The repository's compose.yaml: in the working folder or above it, or above the folder
    /// of this program's binary.
    static func composeFile() -> String? {
        for start in [FileManager.default.currentDirectoryPath, ServerCatalog.binaryFolder] {
            var folder = start
            while !folder.isEmpty {
                let candidate = folder + "/compose.yaml"
                if let text = ProcFiles.read(candidate), text.contains("name: c10k-lab") { return candidate }
                guard let slash = folder.lastIndex(of: "/"), folder != "/" else { break }
                folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
            }
        }
        return nil
    }
}
