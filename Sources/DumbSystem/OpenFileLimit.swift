import CDumbSystem
import Glibc

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
