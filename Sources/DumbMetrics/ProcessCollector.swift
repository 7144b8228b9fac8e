import DumbSystem
import Glibc

/// The process figures the walkthrough's observations need, read at scrape time from /proc
/// and getrusage: the standard `process_*` names of the Prometheus client libraries, plus
/// threads, CPU time by mode and context switches by kind.
public struct ProcessCollector: ScrapeTimeCollector {
    public init() {}

    public func emit(into output: inout [UInt8]) {
        var writer = TextFormatWriter()
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        let user = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) / 1e6
        let system = Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) / 1e6
        let pageSize = Double(sysconf(Int32(_SC_PAGESIZE)))

        writer.family(
            "process_cpu_seconds_total", type: "counter", help: "Total user and system CPU time spent in seconds.")
        writer.sample("process_cpu_seconds_total", user + system)

        if let statm = ProcFiles.read("/proc/self/statm")?.split(separator: " "), statm.count >= 2,
            let size = Double(statm[0]), let resident = Double(statm[1])
        {
            writer.family("process_virtual_memory_bytes", type: "gauge", help: "Virtual memory size in bytes.")
            writer.sample("process_virtual_memory_bytes", size * pageSize)
            writer.family("process_resident_memory_bytes", type: "gauge", help: "Resident memory size in bytes.")
            writer.sample("process_resident_memory_bytes", resident * pageSize)
        }
        if let open = ProcFiles.openDescriptorCount() {
            writer.family("process_open_fds", type: "gauge", help: "Number of open file descriptors.")
            writer.sample("process_open_fds", Double(open))
        }
        let limit = OpenFileLimit.current().soft
        writer.family("process_max_fds", type: "gauge", help: "Maximum number of open file descriptors.")
        writer.sample("process_max_fds", Double(limit == Int.max ? -1 : limit))
        if let start = Self.startTimeSeconds {
            writer.family(
                "process_start_time_seconds", type: "gauge",
                help: "Start time of the process since unix epoch in seconds.")
            writer.sample("process_start_time_seconds", start)
        }
        if let status = ProcFiles.read("/proc/self/status"),
            let threads = ProcFiles.keyValues(status)["Threads"].flatMap(Double.init)
        {
            writer.family(
                "dumb_process_threads", type: "gauge",
                help: "Threads of the process now (thread per connection: one per client).")
            writer.sample("dumb_process_threads", threads)
        }
        writer.family(
            "dumb_process_cpu_seconds_total", type: "counter",
            help:
                "CPU time of the process by mode: user (its own code) or system (the kernel on its behalf: syscalls, context switches)."
        )
        writer.sample("dumb_process_cpu_seconds_total", [("mode", "user")], user)
        writer.sample("dumb_process_cpu_seconds_total", [("mode", "system")], system)
        writer.family(
            "dumb_process_context_switches_total", type: "counter",
            help:
                "Context switches of the process's threads: voluntary (it blocked) or involuntary (the scheduler preempted it)."
        )
        writer.sample("dumb_process_context_switches_total", [("kind", "voluntary")], Double(usage.ru_nvcsw))
        writer.sample("dumb_process_context_switches_total", [("kind", "involuntary")], Double(usage.ru_nivcsw))
        output.append(contentsOf: writer.output)
    }

    /// The start of the process (field 22 of /proc/self/stat, in clock ticks after boot,
    /// plus the boot time of /proc/stat), in seconds since 1970.
    static let startTimeSeconds: Double? = {
        guard let stat = ProcFiles.read("/proc/self/stat"),
            let afterName = stat.lastIndex(of: ")")
        else { return nil }
        // fields after the command name, which may itself hold spaces: state is field 3
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 19, let ticks = Double(fields[19]),
            let boot = ProcFiles.read("/proc/stat")?.split(separator: "\n").first(where: { $0.hasPrefix("btime ") }),
            let bootTime = Double(boot.dropFirst(6).trimmingCharacters(in: " "))
        else { return nil }
        return bootTime + ticks / Double(sysconf(Int32(_SC_CLK_TCK)))
    }()
}
