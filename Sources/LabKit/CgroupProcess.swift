import CLibcap
import DumbSystem
import Glibc

/// A program run in a lab cgroup of its own: the native twin of a compose service. Made with
/// the cgroup's limits, the descriptor limit, every capability dropped and no_new_privs set;
/// ``finish(_:)`` reads what the cgroup saw (OOM kills, peak) and removes it.
public final class CgroupProcess {
    public let command: [String]
    public let pid: Int32
    public let cgroup: LabCgroup
    public let openFiles: Int
    /// ``SystemClock/now()`` when it started.
    public let started: UInt64
    /// The most memory seen by ``sample()``, for kernels whose cgroup keeps no peak.
    public private(set) var peakSeen = 0
    /// The last figures read: after ``finish(_:)``, those of the moment it ended (the cgroup
    /// is gone then).
    public private(set) var lastSample = CgroupSample()
    private var finished = false

    /// Creates the cgroup `c10k-lab/NAME` and starts `command` in it. Removes the cgroup
    /// again if the program cannot start.
    ///
    /// - Parameters:
    ///   - openFiles: soft and hard RLIMIT_NOFILE; nil: this process's hard limit.
    ///   - environment: extra `NAME=value` lines, added to this process's environment.
    ///   - outputFile: where its standard output and error go (appended); nil: this process's.
    public init(
        command: [String], name: String, limits: CgroupLimits, openFiles: Int? = nil, environment: [String] = [],
        outputFile: String? = nil, layout: CgroupLayout? = nil, base: String? = nil
    ) throws {
        guard let program = command.first else {
            throw LabError("give the command to run after --, e.g. -- dumb_epoll")
        }
        guard Spawn.findProgram(program) != nil else {
            throw LabError(
                "'\(program)' is not a program on PATH or a path: build it (make \(program)) or give its path, e.g. ./\(program)"
            )
        }
        let hard = OpenFileLimit.current().hard
        let nofile = openFiles ?? hard
        guard nofile <= hard || Capabilities.hasEffective(CAP_SYS_RESOURCE) else {
            throw LabError(
                "--nofile \(nofile) is above this process's hard limit (\(hard)), and raising it needs CAP_SYS_RESOURCE, which it lacks: give --nofile \(hard) or less (c10k_lab doctor shows both)"
            )
        }
        guard let layout = layout ?? CgroupLayout.detect() else {
            throw LabError("no cgroup file system is mounted (/proc/self/mounts): mount one, or use Docker")
        }
        let cgroup = try LabCgroup(name: name, limits: limits, layout: layout, base: base)
        var request = SpawnRequest(program: program, arguments: Array(command.dropFirst()))
        request.cgroupProcsFiles = cgroup.procsFiles
        request.openFiles = nofile
        request.dropCapabilities = true
        request.outputFile = outputFile
        if !environment.isEmpty { request.environment = Self.environment(adding: environment) }
        do {
            pid = try Spawn.start(request)
        } catch {
            try? cgroup.remove()
            throw LabError("\(error)\(Self.advice(for: error, cgroup: cgroup))")
        }
        self.command = command
        self.cgroup = cgroup
        self.openFiles = nofile
        started = SystemClock.now()
    }

    /// The cgroup's figures now; keeps the highest memory seen.
    @discardableResult
    public func sample() -> CgroupSample {
        guard !finished else { return lastSample }
        let sample = cgroup.sample()
        peakSeen = max(peakSeen, sample.memoryCurrent ?? 0)
        lastSample = sample
        return sample
    }

    /// Its end, if it has ended (reaped then); nil while it runs.
    public func termination() throws -> Termination? {
        try Spawn.poll(pid)
    }

    /// Waits for it to end, sampling every `interval` seconds. A SIGINT or SIGTERM to this
    /// process (StopSignal installed with `.notify`) is forwarded to it; a second one kills
    /// it (SIGKILL). `onSignal` is told each forwarded signal.
    public func wait(interval: Double = 0.2, onSignal: (Int32) -> Void = { _ in }) throws -> Termination {
        let exit = try Spawn.exitDescriptor(pid)
        defer { Glibc.close(exit) }
        let stop = StopSignal.wakeDescriptor
        var forwarded = 0
        while true {
            var entries = [pollfd(fd: exit, events: Int16(POLLIN), revents: 0)]
            if stop >= 0 { entries.append(pollfd(fd: stop, events: Int16(POLLIN), revents: 0)) }
            let ready = entries.withUnsafeMutableBufferPointer {
                Glibc.poll($0.baseAddress, nfds_t($0.count), Int32(interval * 1000))
            }
            sample()
            if ready > 0 && entries.count > 1 && entries[1].revents != 0 {
                var value: UInt64 = 0
                _ = Glibc.read(stop, &value, 8)
                let signal = forwarded == 0 ? (StopSignal.pending?.signal ?? SIGTERM) : SIGKILL
                kill(pid, signal)
                forwarded += 1
                onSignal(signal)
            }
            if ready > 0 && entries[0].revents != 0 { return try Spawn.wait(pid) }
        }
    }

    /// What happened, once it ended: read from the cgroup before it is removed, then removes
    /// it (a failure to remove is in the report, not thrown).
    public func finish(_ termination: Termination) -> RunReport {
        let sample = self.sample()
        finished = true
        let seconds = Double(SystemClock.now() - started) / 1e9
        var removal: String?
        do { try cgroup.remove() } catch { removal = "\(error)" }
        let oomKills = sample.oomKills ?? 0
        return RunReport(
            command: command, name: cgroup.name, pid: pid,
            cgroup: .init(
                version: cgroup.layout.version, folders: cgroup.folders, limits: cgroup.limits, notes: cgroup.notes),
            openFiles: openFiles,
            exit: .init(termination),
            oomKilled: oomKills > 0 && termination == .signaled(SIGKILL), oomKills: oomKills,
            peakMemoryBytes: max(sample.memoryPeak ?? 0, peakSeen), limitHits: sample.limitHits,
            durationSeconds: (seconds * 1000).rounded() / 1000,
            cgroupRemoved: removal == nil, removalError: removal)
    }

    /// What to do when the program did not start.
    static func advice(for error: any Error, cgroup: LabCgroup) -> String {
        guard let error = error as? SpawnError else { return "" }
        switch (error.step, error.errno) {
        case (let step, EACCES) where step.hasPrefix("joining"), (let step, EPERM) where step.hasPrefix("joining"):
            return
                ". This process may not move a process into \(cgroup.procsFiles.first ?? "the cgroup"): run as root, or in a delegated subtree (systemd-run --user --scope -p Delegate=yes c10k_lab run …)"
        case (let step, _) where step.hasPrefix("joining"):
            return ". The cgroup took no process: with --cpus, are the CPUs ones this machine has (c10k_lab doctor)?"
        default:
            return ""
        }
    }

    static func environment(adding lines: [String]) -> [String] {
        var names = Set(lines.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        var result = lines
        var entry = environ
        while let pointer = entry.pointee {
            let line = String(cString: pointer)
            let name = line.split(separator: "=", maxSplits: 1).first.map(String.init) ?? line
            if !names.contains(name) {
                result.append(line)
                names.insert(name)
            }
            entry += 1
        }
        return result
    }
}
