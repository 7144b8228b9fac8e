import DumbSystem

/// CPU lists as `taskset -c`, cgroups and compose's `cpuset` write them: `0`, `0-3`, `0,2-3`.
public enum CPUList {
    /// The CPUs, sorted, without repeats; nil when the text is not a list.
    public static func parse(_ text: String) -> [Int]? {
        var cpus = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map {
                Int($0.trimmingCharacters(in: " "))
            }
            switch bounds.count {
            case 1:
                guard let cpu = bounds[0], cpu >= 0 else { return nil }
                cpus.insert(cpu)
            case 2:
                guard let low = bounds[0], let high = bounds[1], low >= 0, low <= high, high < 4096 else { return nil }
                cpus.formUnion(low...high)
            default:
                return nil
            }
        }
        return cpus.isEmpty ? nil : cpus.sorted()
    }
}
