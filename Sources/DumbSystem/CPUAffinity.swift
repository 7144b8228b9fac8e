import CDumbSystem
import Glibc

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
