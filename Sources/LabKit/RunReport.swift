import DumbCommandLine
import DumbSystem
import Foundation

/// What `c10k_lab run` says when its program ended; `--json` writes it with these keys
/// (snake_case, stable: labs and checks read them).
public struct RunReport: Codable, Sendable, Equatable {
    public struct CgroupInfo: Codable, Sendable, Equatable {
        public var version: CgroupLayout.Version
        /// Each controller's folder.
        public var folders: [String: String]
        public var limits: CgroupLimits
        /// What could not be set (swap accounting missing, …).
        public var notes: [String]
    }

    public struct ExitInfo: Codable, Sendable, Equatable {
        /// The exit status; nil when a signal ended it.
        public var status: Int32?
        /// The signal that ended it (`SIGKILL`); nil when it exited.
        public var signal: String?
        /// As a shell says it: the status, or 128 + the signal (137 for SIGKILL).
        public var shellStatus: Int32

        public init(_ termination: Termination) {
            switch termination {
            case .exited(let code):
                status = code
                signal = nil
            case .signaled(let number):
                status = nil
                signal = Termination.signalName(number)
            }
            shellStatus = termination.shellStatus
        }
    }

    public var command: [String]
    public var name: String
    public var pid: Int32
    public var cgroup: CgroupInfo
    public var openFiles: Int
    public var exit: ExitInfo
    /// The kernel's OOM killer ended it: an OOM kill in its cgroup, and it died of SIGKILL.
    public var oomKilled: Bool
    public var oomKills: Int
    /// The most memory its cgroup was charged.
    public var peakMemoryBytes: Int
    /// How often it ran into the memory limit (v1 memory.failcnt, v2 memory.events max).
    public var limitHits: Int?
    public var durationSeconds: Double
    public var cgroupRemoved: Bool
    public var removalError: String?

    /// The lines printed at the end of `c10k_lab run`.
    public var text: String {
        let program = (command.first as NSString?)?.lastPathComponent ?? "the program"
        var lines: [String] = []
        let how =
            exit.signal.map { "was killed by \($0) (status \(exit.shellStatus))" }
            ?? "exited with status \(exit.shellStatus)"
        lines.append("\(program) \(how) after \(DurationText.seconds(durationSeconds))")
        let limit = cgroup.limits.memory
        if oomKilled {
            let hits = limitHits.flatMap { $0 > 0 ? ", after hitting the limit \($0) times" : nil } ?? ""
            lines.append(
                "the kernel's OOM killer killed it: its cgroup reached its memory limit (\(limit.map(ByteSize.human) ?? "none"))\(hits)"
                    + (durationSeconds < 1 ? "; the limit is below what it needs to start: give more" : ""))
        } else if oomKills > 0 {
            lines.append("the kernel's OOM killer killed \(oomKills) process(es) in its cgroup")
        } else {
            lines.append("not OOM-killed")
        }
        let ofLimit = limit.map { " of \(ByteSize.human($0))" } ?? ""
        lines.append("peak memory \(ByteSize.human(peakMemoryBytes))\(ofLimit) (its cgroup, kernel memory included)")
        lines.append(contentsOf: cgroup.notes)
        lines.append(
            cgroupRemoved
                ? "cgroup \(LabCgroup.parentName)/\(name) removed" : "cgroup NOT removed: \(removalError ?? "unknown")")
        return lines.map { "c10k_lab: \($0)\n" }.joined()
    }

    /// The report as pretty JSON with snake_case keys.
    public var json: String { JSONText.encode(self) }
}
