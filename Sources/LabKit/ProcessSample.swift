import DumbSystem
import Glibc

/// One process's figures from /proc: what `ps`, `top` and `pidstat` show.
public struct ProcessSample: Codable, Sendable, Equatable {
    /// Resident memory: what the process itself touched (VmRSS).
    public var rssBytes: Int
    public var threads: Int
    public var descriptors: Int
    /// Context switches of its threads (those alive now) since they started: a thread gave
    /// up the CPU (to wait), or was made to (its time slice was over).
    public var voluntarySwitches: Int
    public var involuntarySwitches: Int
    /// CPU seconds since it started, in user mode and in the kernel (/proc/PID/stat).
    public var userSeconds: Double
    public var systemSeconds: Double

    /// `pid`'s figures now; nil once it is gone.
    public static func read(_ pid: Int32) -> ProcessSample? {
        guard let status = ProcFiles.read("/proc/\(pid)/status"), let stat = ProcFiles.read("/proc/\(pid)/stat")
        else { return nil }
        let fields = ProcFiles.keyValues(status)
        func number(_ key: String) -> Int { Int(fields[key]?.split(separator: " ").first ?? "") ?? 0 }
        // stat: "pid (comm) state …": the fields after the last ')' start with the state (3rd)
        let afterName = stat[(stat.lastIndex(of: ")").map { stat.index(after: $0) } ?? stat.startIndex)...]
        let values = afterName.split(separator: " ")
        let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
        let user = values.count > 12 ? (Double(values[11]) ?? 0) / ticks : 0  // utime is field 14
        let system = values.count > 12 ? (Double(values[12]) ?? 0) / ticks : 0  // stime is field 15
        // /proc/PID/status counts the main thread's switches only: add up every thread's
        var voluntary = 0
        var involuntary = 0
        for task in ProcFiles.directoryEntries("/proc/\(pid)/task") ?? [] {
            let fields = ProcFiles.keyValues(ProcFiles.read("/proc/\(pid)/task/\(task)/status") ?? "")
            voluntary += Int(fields["voluntary_ctxt_switches"] ?? "") ?? 0
            involuntary += Int(fields["nonvoluntary_ctxt_switches"] ?? "") ?? 0
        }
        return ProcessSample(
            rssBytes: number("VmRSS") * 1024, threads: number("Threads"),
            descriptors: ProcFiles.directoryEntries("/proc/\(pid)/fd")?.count ?? 0,
            voluntarySwitches: voluntary, involuntarySwitches: involuntary, userSeconds: user, systemSeconds: system)
    }
}
