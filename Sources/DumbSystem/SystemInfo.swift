import CDumbSystem
import Glibc

/// Clocks, sleeping, CPUs and limits.
public enum SystemClock {
    /// CLOCK_MONOTONIC in nanoseconds.
    @inline(__always)
    public static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) &* 1_000_000_000 &+ UInt64(time.tv_nsec)
    }

    /// A (non-negative) `Duration` in whole nanoseconds, the unit of ``now()``.
    public static func nanoseconds(_ duration: Duration) -> UInt64 {
        UInt64(duration.components.seconds) * 1_000_000_000 + UInt64(duration.components.attoseconds / 1_000_000_000)
    }

    /// Blocks the calling thread for `milliseconds`. A stop signal cuts it short with
    /// ``StopRequested``; any other interruption resumes the sleep.
    public static func sleep(milliseconds: UInt64) throws {
        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let total = UInt64(deadline.tv_nsec) + (milliseconds % 1000) * 1_000_000
        deadline.tv_sec += Int(milliseconds / 1000) + Int(total / 1_000_000_000)
        deadline.tv_nsec = Int(total % 1_000_000_000)
        while true {
            let status = clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &deadline, nil)
            if status == 0 { return }
            if status == EINTR {
                if let stop = StopSignal.pending { throw stop }
                continue
            }
            throw SystemError("clock_nanosleep", errno: status)
        }
    }
}

public enum CPUAffinity {
    /// How many CPUs this process may run on: its cpuset (a container's `cpuset`, `taskset`),
    /// not the host's core count.
    public static func allowedCPUCount() -> Int {
        let count = dumb_allowed_cpu_count()
        return count > 0 ? Int(count) : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    }

    /// The CPU numbers this process may run on.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = dumb_allowed_cpus(&cpus, Int32(cpus.count))
        return count > 0 ? cpus[0..<Int(count)].map(Int.init) : []
    }

    /// A CPU list in the kernel's form: `0-3,6`.
    public static func listDescription(_ cpus: [Int]) -> String {
        var ranges: [String] = []
        var index = 0
        while index < cpus.count {
            var end = index
            while end + 1 < cpus.count && cpus[end + 1] == cpus[end] + 1 { end += 1 }
            ranges.append(end == index ? "\(cpus[index])" : "\(cpus[index])-\(cpus[end])")
            index = end + 1
        }
        return ranges.joined(separator: ",")
    }
}

public enum OpenFileLimit {
    /// Raises the soft RLIMIT_NOFILE to the hard limit; returns the limit now in force.
    /// Ten thousand connections need ten thousand descriptors, and the usual soft limit is 1024.
    @discardableResult
    public static func raiseToHardLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    /// The soft and hard RLIMIT_NOFILE.
    public static func current() -> (soft: Int, hard: Int) {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        // RLIM_INFINITY (all ones) clamps to Int.max
        return (Int(clamping: limit.rlim_cur), Int(clamping: limit.rlim_max))
    }
}
